"""Turning whatever a provider call raised into one ProviderError kind, never leaking a key."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
import httpx
import httpx2

from promptpro.errors import ProviderError, ProviderErrorKind

# Keys as the providers print them, even half-masked ("sk-abc***wxyz"): OpenAI and
# Anthropic (sk-...), xAI (xai-...), Google (AIza...).
_KEY_LIKE = re.compile(r"\b(?:sk|xai)-[A-Za-z0-9*_.\-]{6,}|\bAIza[A-Za-z0-9*_\-]{10,}")
_MAX_MESSAGE = 300


class StreamCut(Exception):
    """The provider's stream ended before its end marker (no [DONE], message_stop, ...)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure, before its message is cleaned and it becomes a ProviderError."""

    kind: ProviderErrorKind
    message: str
    retryable: bool = False
    retry_after: float | None = None

    def to_error(self, provider: str, api_key: str) -> ProviderError:
        """The ProviderError callers see, its message scrubbed of the key."""
        return ProviderError(
            clean_message(self.message, api_key),
            kind=self.kind,
            provider=provider,
            retry_after=self.retry_after,
        )


def clean_message(text: str, api_key: str | None = None) -> str:
    """One line of at most 300 characters, without the key or anything that looks like one."""
    if api_key:
        text = text.replace(api_key, "[redacted]")
    text = _KEY_LIKE.sub("[redacted]", " ".join(text.split()))
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def status_failure(
    name: str,
    status: int,
    message: str | None,
    *,
    model: str,
    retry_after: float | None = None,
) -> Failure:
    """What an HTTP error status from the provider means for us."""
    said = f": {message}" if message else ""
    if status in (401, 403):
        return Failure(
            ProviderErrorKind.BAD_KEY, f"{name} refused the API key (HTTP {status}){said}"
        )
    if status == 404:
        return Failure(
            ProviderErrorKind.UNKNOWN_MODEL,
            f"{name} does not know the model {model!r} (HTTP 404){said}",
        )
    if status == 429:
        hint = f", retry after {retry_after:g} s" if retry_after is not None else ""
        return Failure(
            ProviderErrorKind.RATE_LIMITED,
            f"{name} is rate limiting this key (HTTP 429{hint}){said}",
            retryable=True,
            retry_after=retry_after,
        )
    if status in (400, 413, 422):
        return Failure(
            ProviderErrorKind.INVALID_REQUEST,
            f"{name} refused the request as invalid (HTTP {status}){said}",
        )
    if status >= 500 or status == 408:
        return Failure(
            ProviderErrorKind.UPSTREAM,
            f"{name} failed (HTTP {status}){said}",
            retryable=True,
            retry_after=retry_after,
        )
    return Failure(ProviderErrorKind.UPSTREAM, f"{name} rejected the request (HTTP {status}){said}")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, innermost last."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def transport_failure(name: str, exc: BaseException) -> Failure | None:
    """Timeouts and connection failures of the HTTP stack, whichever SDK wrapped them."""
    # The innermost cause is the most precise: the openai/anthropic aiohttp transport maps a
    # dropped connection to httpx2.ConnectTimeout, which would read as a timeout.
    for cause in reversed(_chain(exc)):
        # TimeoutError first: it is also an OSError, and aiohttp's timeouts derive from it.
        if isinstance(cause, TimeoutError | httpx.TimeoutException | httpx2.TimeoutException):
            return Failure(ProviderErrorKind.TIMEOUT, f"{name} did not answer in time")
        if isinstance(cause, StreamCut):
            return Failure(
                ProviderErrorKind.UPSTREAM,
                f"{name} ended the stream before the answer was complete",
                retryable=True,
            )
        if isinstance(
            cause,
            aiohttp.ClientPayloadError
            | httpx.ReadError
            | httpx2.ReadError
            | httpx.RemoteProtocolError
            | httpx2.RemoteProtocolError,
        ):
            return Failure(
                ProviderErrorKind.UPSTREAM,
                f"{name} cut the connection before the answer was complete",
                retryable=True,
            )
        if isinstance(
            cause,
            aiohttp.ClientConnectionError | httpx.TransportError | httpx2.TransportError | OSError,
        ):
            detail = str(cause) or type(cause).__name__
            return Failure(
                ProviderErrorKind.UPSTREAM,
                f"The connection to {name} failed ({detail})",
                retryable=True,
            )
    return None


def unreadable(name: str, exc: BaseException) -> Failure:
    """Anything else: the provider answered something we could not make sense of."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Failure(
        ProviderErrorKind.UPSTREAM, f"{name} sent an answer PromptPro could not read ({detail})"
    )
