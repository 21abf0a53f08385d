"""Domain errors: what went wrong, in terms of the product, never of HTTP or a driver.

The front ends (api, web, cli) translate these into problem details, pages or messages.
"""

from __future__ import annotations

import enum


class PromptProError(Exception):
    """Base of every error the application raises on purpose."""

    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(PromptProError):
    """The object does not exist, or belongs to someone else (we never say which)."""

    title = "Not found"


class Conflict(PromptProError):
    """A uniqueness rule would be broken; `field` names the offending field."""

    title = "Conflict"

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.field = field


class Invalid(PromptProError):
    """Input the domain refuses; `field` names where, when one field is at fault."""

    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class ConfigurationError(PromptProError):
    """The settings or the environment are wrong; the message says how to fix them."""

    title = "Configuration error"


class NeedsKey(PromptProError):
    """The user has no key stored for the provider a run needs."""

    title = "No API key for this provider"

    def __init__(self, detail: str, *, provider: str) -> None:
        super().__init__(detail)
        self.provider = provider


class ProviderErrorKind(enum.StrEnum):
    """The one vocabulary every provider failure is translated into."""

    BAD_KEY = "bad-key"
    RATE_LIMITED = "rate-limited"
    TIMEOUT = "timeout"
    UPSTREAM = "upstream"
    UNKNOWN_MODEL = "unknown-model"


class ProviderError(PromptProError):
    """A provider call failed; `kind` says how, `retry_after` is the provider's hint in seconds."""

    title = "The AI provider failed"

    def __init__(
        self,
        detail: str,
        *,
        kind: ProviderErrorKind,
        provider: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.provider = provider
        self.retry_after = retry_after
