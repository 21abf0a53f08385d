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


class TooLarge(PromptProError):
    """An upload, or what it unpacks to, is past a size bound (413 `/problems/too-large`)."""

    title = "Too large"


class AddressRefused(Invalid):
    """An outgoing URL a user gave may not be reached (security/outgoing.py says why)."""

    title = "Address refused"


class ImageRefused(Invalid):
    """An image that can't be used: not one of the image types we take (415 when uploaded),
    too large (413), or otherwise unusable (422); `kind` is the problem's slug."""

    title = "Image refused"

    def __init__(
        self, detail: str, *, field: str | None, status: int = 422, kind: str = "image-refused"
    ) -> None:
        super().__init__(detail, field=field)
        self.status = status
        self.kind = kind


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
    # The provider judged the request itself invalid (HTTP 400/413/422): the user's input,
    # such as parameters it won't take or a prompt too long for the model.
    INVALID_REQUEST = "invalid-request"


# A title of its own where "the provider failed" would mislead: a model the provider
# doesn't know is a wrong model name to fix, not an outage to wait out.
PROVIDER_TITLES = {ProviderErrorKind.UNKNOWN_MODEL: "Unknown model"}


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
        self.title = PROVIDER_TITLES.get(kind, ProviderError.title)
        self.kind = kind
        self.provider = provider
        self.retry_after = retry_after


class Unauthenticated(PromptProError):
    """No valid credentials: not signed in, or the session or token is unknown or expired."""

    title = "Not signed in"


class Forbidden(PromptProError):
    """The request is refused as such (a missing CSRF token, registration turned off)."""

    title = "Forbidden"

    def __init__(self, detail: str, *, kind: str = "forbidden") -> None:
        super().__init__(detail)
        self.kind = kind


class InvitationUnusable(PromptProError):
    """An invitation link that can't make anyone a member; `reason` says why, in a word:
    `invalid` (unknown or tampered), `expired`, `used` or `revoked`."""

    title = "Invitation not usable"

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


class RateLimited(PromptProError):
    """Too many attempts; `retry_after` says in how many seconds to try again."""

    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class SignInFailed(PromptProError):
    """An external sign-in (OpenID Connect) could not be completed; nothing was signed in.

    `reason` says which way, in a word a page can name it by: `expired` (no sign-in under
    way in this browser), `state` (not the sign-in it started), `refused` (the identity
    provider said no) or `unverified` (its answer failed the checks).
    """

    title = "Sign-in failed"

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


class RunNotStored(PromptProError):
    """A run ended, but its record could not be written (the database failed meanwhile)."""

    title = "The answer could not be stored"


class KeyUnavailable(PromptProError):
    """A stored provider key can't be decrypted: the master key that sealed it is not configured."""

    title = "Stored API key can't be decrypted"

    def __init__(
        self, detail: str, *, provider: str | None = None, key_id: str | None = None
    ) -> None:
        super().__init__(detail)
        self.provider = provider
        self.key_id = key_id


class KeyCorrupt(KeyUnavailable):
    """A stored provider key fails authentication: damaged, or copied from another user or row."""

    title = "Stored API key is damaged"


class TooManyRuns(PromptProError):
    """Too many runs in progress at once: `running` of `limit` (for `scope`: user or server)."""

    title = "Too many runs in progress"

    def __init__(self, detail: str, *, running: int, limit: int, scope: str) -> None:
        super().__init__(detail)
        self.running = running
        self.limit = limit
        self.scope = scope


class BudgetExceeded(PromptProError):
    """A run whose estimate would take this month's spending past a budget (refused before
    any provider call): which budget (`scope` user or workspace, its id and monthly USD),
    what has been spent this month, and the run's estimate."""

    title = "Monthly budget exceeded"

    def __init__(
        self,
        detail: str,
        *,
        scope: str,
        scope_id: str,
        monthly_usd: float,
        spent_usd: float,
        estimate_usd: float,
    ) -> None:
        super().__init__(detail)
        self.scope = scope
        self.scope_id = scope_id
        self.monthly_usd = monthly_usd
        self.spent_usd = spent_usd
        self.estimate_usd = estimate_usd


class ConfirmationRequired(PromptProError):
    """Work estimated to cost more than the caller agreed to (or the instance's threshold):
    send it again with `confirmCostUsd` at least `estimate_usd`."""

    title = "Confirmation required"

    def __init__(self, detail: str, *, estimate_usd: float, confirmed_usd: float) -> None:
        super().__init__(detail)
        self.estimate_usd = estimate_usd
        self.confirmed_usd = confirmed_usd
