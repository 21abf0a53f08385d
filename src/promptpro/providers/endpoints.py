"""A user's own OpenAI-compatible endpoint: the OpenAI adapter, reached through the guard.

The one difference from the built-in providers is the HTTP client: `OutgoingGuard.client()`
resolves and checks the host for every connection, never follows a redirect and caps the
response, because the base URL is whatever a user typed.
"""

from __future__ import annotations

from typing import Any

import openai

from promptpro.errors import AddressRefused, ProviderErrorKind
from promptpro.providers.clients import shared_ssl_context
from promptpro.providers.failures import Failure
from promptpro.providers.openai import NO_KEY, OpenAICompatibleProvider
from promptpro.security.outgoing import OutgoingGuard, ResponseTooLarge


class EndpointProvider(OpenAICompatibleProvider):
    """An endpoint's models as `<endpoint-name>/<model>`; no key means no Authorization."""

    def __init__(self, *, guard: OutgoingGuard, **options: Any) -> None:
        super().__init__(**options)
        self.guard = guard

    def _create_client(self, api_key: str) -> openai.AsyncOpenAI:
        timeouts = self.timeouts
        return openai.AsyncOpenAI(
            api_key=api_key or NO_KEY,
            base_url=self.base_url,
            max_retries=0,
            timeout=openai.Timeout(timeouts.total, connect=timeouts.connect),
            http_client=self.guard.client(ssl_context=shared_ssl_context()),
        )

    def _sdk_failure(self, exc: Exception, model: str) -> Failure | None:
        for cause in _chain(exc):
            if isinstance(cause, AddressRefused):
                return Failure(ProviderErrorKind.INVALID_REQUEST, cause.detail)
            if isinstance(cause, ResponseTooLarge):
                return Failure(ProviderErrorKind.UPSTREAM, f"{self.display_name}: {cause}")
        if isinstance(exc, openai.APIStatusError) and 300 <= exc.status_code < 400:
            where = exc.response.headers.get("location", "elsewhere")
            return Failure(
                ProviderErrorKind.UPSTREAM,
                f"{self.display_name} answered with a redirect to {where}, which is not "
                "followed: set the endpoint's base URL to where it points.",
            )
        return super()._sdk_failure(exc, model)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
