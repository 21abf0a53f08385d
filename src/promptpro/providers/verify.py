"""Is a key good? The cheapest authenticated call each provider has: list its models.

The answer is `valid`, `refused` (the provider said no to the key, in its own words) or
`unreachable` (no answer, or one that says nothing about the key); the key itself never
appears in it (`clean_message`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2

from promptpro.errors import AddressRefused
from promptpro.providers.clients import shared_ssl_context
from promptpro.providers.failures import clean_message
from promptpro.providers.registry import ProviderConfig
from promptpro.security.outgoing import ResponseTooLarge

Status = Literal["valid", "refused", "unreachable"]
ANTHROPIC_VERSION = "2023-06-01"
# A model list is small; anything past this is not one.
MAX_LISTING_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    """What a key check found; `models` are the names the listing gave (on `valid`)."""

    status: Status
    detail: str
    models: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Listing:
    """Where a provider lists its models and how its key is sent."""

    url: str
    headers: dict[str, str]


def builtin_listing(provider: str, config: ProviderConfig, api_key: str) -> Listing:
    """The model listing call of a built-in provider (openai, anthropic, gemini, xai)."""
    if provider == "anthropic":
        return Listing(
            f"{config.anthropic_base_url.rstrip('/')}/v1/models",
            {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION},
        )
    if provider == "gemini":
        return Listing(
            f"{config.gemini_base_url.rstrip('/')}/v1beta/models",
            {"x-goog-api-key": api_key},
        )
    base = config.xai_base_url if provider == "xai" else config.openai_base_url
    return Listing(f"{base.rstrip('/')}/models", {"Authorization": f"Bearer {api_key}"})


def endpoint_listing(base_url: str, api_key: str | None) -> Listing:
    """`GET {baseUrl}/models` of an OpenAI-compatible endpoint."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return Listing(f"{base_url.rstrip('/')}/models", headers)


def builtin_client(config: ProviderConfig) -> httpx2.AsyncClient:
    """A client for the configured providers' own URLs (the instance's, not a user's)."""
    timeouts = config.timeouts
    return httpx2.AsyncClient(
        verify=shared_ssl_context(),
        follow_redirects=False,
        timeout=httpx2.Timeout(max(timeouts.connect, 10.0), connect=timeouts.connect),
    )


async def check(
    client: httpx2.AsyncClient, listing: Listing, name: str, api_key: str | None
) -> Verdict:
    """Call the listing with the key and say what the answer means."""
    try:
        async with client.stream("GET", listing.url, headers=listing.headers) as response:
            body = await _read(response)
    except AddressRefused as exc:
        return Verdict("unreachable", clean_message(exc.detail, api_key))
    except ResponseTooLarge:
        return Verdict("unreachable", f"{name} sent a model list too large to read.")
    except httpx2.TimeoutException:
        return Verdict("unreachable", f"{name} did not answer in time.")
    except (httpx2.HTTPError, OSError) as exc:
        reason = clean_message(str(exc) or type(exc).__name__, api_key)
        return Verdict("unreachable", f"The connection to {name} failed: {reason}")
    status = response.status_code
    message = clean_message(_message(body) or response.reason_phrase or "", api_key)
    if 200 <= status < 300:
        models = _model_names(body)
        return Verdict("valid", f"{name} accepted the key ({len(models)} models).", models)
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        return Verdict(
            "unreachable",
            f"{name} answered with a redirect to {clean_message(where, api_key)}, which is "
            "not followed: use the URL it points to.",
        )
    if status in (401, 403):
        return Verdict("refused", f"{name} refused the key (HTTP {status}): {message}".rstrip(": "))
    # A Gemini key that is not valid comes back as 400 API_KEY_INVALID.
    if status == 400 and "API_KEY_INVALID" in json.dumps(body)[:10_000]:
        return Verdict("refused", f"{name} refused the key (HTTP 400): {message}")
    return Verdict("unreachable", f"{name} answered HTTP {status}: {message}".rstrip(": "))


async def _read(response: httpx2.Response) -> Any:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_LISTING_BYTES:
            raise ResponseTooLarge(f"more than {MAX_LISTING_BYTES} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except ValueError:
        return None


def _message(body: Any) -> str:
    """The provider's own reason from an error document, in any of the usual shapes."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body)
    if isinstance(error, dict):
        text = error.get("message")
        return text if isinstance(text, str) else ""
    return error if isinstance(error, str) else ""


def _model_names(body: Any) -> list[str]:
    """Model names from an OpenAI/Anthropic (`data[].id`) or Gemini (`models[].name`) list."""
    if not isinstance(body, dict):
        return []
    names: list[str] = []
    for entry in body.get("data") or body.get("models") or ():
        if isinstance(entry, dict):
            name = entry.get("id") or entry.get("name")
            if isinstance(name, str) and name:
                names.append(name.removeprefix("models/"))
    return list(dict.fromkeys(names))
