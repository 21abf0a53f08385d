"""RFC 9457 problem details: every error the HTTP layer returns, in one shape."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException

from promptpro.db.errors import DATABASE_ERRORS, is_database_lost
from promptpro.errors import (
    BudgetExceeded,
    ConfigurationError,
    ConfirmationRequired,
    Conflict,
    Forbidden,
    ImageRefused,
    Invalid,
    InvitationUnusable,
    KeyCorrupt,
    KeyUnavailable,
    NeedsKey,
    NotFound,
    PromptProError,
    ProviderError,
    ProviderErrorKind,
    RateLimited,
    RunNotStored,
    SignInFailed,
    TooLarge,
    TooManyRuns,
    Unauthenticated,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# When to try again after the database was unreachable, or a run limit was reached.
DATABASE_RETRY_AFTER_S = 5
RUNS_RETRY_AFTER_S = 5
DATABASE_UNAVAILABLE = "The database is unavailable for a moment: try again shortly."

_PROVIDER_STATUS = {
    ProviderErrorKind.BAD_KEY: 502,
    ProviderErrorKind.RATE_LIMITED: 429,
    ProviderErrorKind.TIMEOUT: 504,
    ProviderErrorKind.UPSTREAM: 502,
    ProviderErrorKind.UNKNOWN_MODEL: 422,
    ProviderErrorKind.INVALID_REQUEST: 422,
}


def problem_type(slug: str) -> str:
    """The `type` URI of one kind of problem."""
    return f"/problems/{slug}"


@dataclass(frozen=True)
class ProblemDetails:
    """A problem before it is sent: in a response, or inside an SSE `error` event."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] | None = None

    def response(self) -> JSONResponse:
        """The problem+json response."""
        return JSONResponse(
            self.body,
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_MEDIA_TYPE,
        )


def details(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ProblemDetails:
    """A problem's status, body and headers."""
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return ProblemDetails(status, body, headers)


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    return details(status, detail, slug=slug, title=title, headers=headers, **extra).response()


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(to_camel(part) if not part.isdigit() else part for part in parts)


def unreadable_body_problem(cause: BaseException) -> JSONResponse:
    """422 for a JSON body Python's parser gave up on: not UTF-8, or nested too deeply."""
    why = "it is not UTF-8" if isinstance(cause, UnicodeError) else "it is nested too deeply"
    message = f"The body is not valid JSON ({why})."
    errors = [{"field": "", "message": message}]
    return problem(422, f"body: {message}", slug="validation", title="Invalid input", errors=errors)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """422 with one message per field (never echoing the input back: it may hold secrets)."""
    errors = []
    for error in exc.errors():
        message, field = error["msg"], _field_name(tuple(error["loc"]))
        if error["type"] == "json_invalid":
            # Its location is a character offset in the body, not a field.
            message, field = f"The body is not valid JSON (at character {error['loc'][-1]}).", ""
        errors.append({"field": field, "message": message})
    detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
    return problem(422, detail, slug="validation", title="Invalid input", errors=errors)


def domain_details(exc: PromptProError) -> ProblemDetails:
    """The problem a domain error is."""
    if isinstance(exc, NotFound):
        return details(404, exc.detail, slug="not-found", title=exc.title)
    if isinstance(exc, Conflict):
        errors = [{"field": exc.field, "message": exc.detail}]
        return details(409, exc.detail, slug="conflict", title=exc.title, errors=errors)
    if isinstance(exc, NeedsKey):
        return details(422, exc.detail, slug="no-key", title=exc.title, provider=exc.provider)
    if isinstance(exc, ImageRefused):
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else []
        return details(exc.status, exc.detail, slug=exc.kind, title=exc.title, errors=errors)
    if isinstance(exc, Invalid):
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else []
        return details(422, exc.detail, slug="validation", title=exc.title, errors=errors)
    if isinstance(exc, TooLarge):
        return details(413, exc.detail, slug="too-large", title=exc.title)
    if isinstance(exc, ProviderError):
        headers = {"Retry-After": str(round(exc.retry_after))} if exc.retry_after else None
        return details(
            _PROVIDER_STATUS[exc.kind],
            exc.detail,
            slug=str(exc.kind),
            title=exc.title,
            headers=headers,
            provider=exc.provider,
        )
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
        return details(401, exc.detail, slug="unauthenticated", title=exc.title, headers=headers)
    if isinstance(exc, Forbidden):
        return details(403, exc.detail, slug=exc.kind, title=exc.title)
    if isinstance(exc, InvitationUnusable):
        # An unknown token is as absent as any object (404); one that existed is Gone.
        status = 404 if exc.reason == "invalid" else 410
        return details(status, exc.detail, slug=f"invitation-{exc.reason}", title=exc.title)
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
        return details(429, exc.detail, slug="rate-limited", title=exc.title, headers=headers)
    if isinstance(exc, SignInFailed):
        return details(400, exc.detail, slug="sign-in-failed", title=exc.title)
    if isinstance(exc, KeyUnavailable):
        # 503, like a configuration error: the server can't use what it stored, through no
        # fault of the request (so not 4xx), and it is a known state, not a crash (not 500).
        slug = "key-corrupt" if isinstance(exc, KeyCorrupt) else "key-unavailable"
        return details(503, exc.detail, slug=slug, title=exc.title, provider=exc.provider)
    if isinstance(exc, ConfigurationError):
        return details(503, exc.detail, slug="configuration", title=exc.title)
    if isinstance(exc, RunNotStored):
        return details(503, exc.detail, slug="not-stored", title=exc.title)
    if isinstance(exc, BudgetExceeded):
        return details(
            402,
            exc.detail,
            slug="budget-exceeded",
            title=exc.title,
            budget={"scope": exc.scope, "id": exc.scope_id, "monthlyUsd": exc.monthly_usd},
            spentUsd=exc.spent_usd,
            estimateUsd=exc.estimate_usd,
        )
    if isinstance(exc, ConfirmationRequired):
        return details(
            409,
            exc.detail,
            slug="confirmation-required",
            title=exc.title,
            estimateUsd=exc.estimate_usd,
            confirmedUsd=exc.confirmed_usd,
        )
    if isinstance(exc, TooManyRuns):
        headers = {"Retry-After": str(RUNS_RETRY_AFTER_S)}
        return details(
            429,
            exc.detail,
            slug="too-many-runs",
            title=exc.title,
            headers=headers,
            running=exc.running,
            limit=exc.limit,
            scope=exc.scope,
        )
    return details(400, exc.detail, title=exc.title)


def domain_problem(exc: PromptProError) -> JSONResponse:
    """The response for a domain error."""
    return domain_details(exc).response()


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error, expected or not, a problem+json response."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers a body json.loads raised anything but JSONDecodeError on (bad
        # UTF-8, RecursionError) with a bare 400; it is invalid JSON like any other.
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeError | RecursionError):
            return unreadable_body_problem(exc.__cause__)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(PromptProError)
    async def _domain(_: Request, exc: PromptProError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_unexpected(request, exc)
        return problem(500, "Something went wrong on our side; it has been logged.")

    # Registered by class, so Starlette counts them handled: its catch-all (`Exception`)
    # handler re-raises after answering, and the server then drops the connection, so a
    # client's next keep-alive request would meet a reset.
    for exc_class in DATABASE_ERRORS:
        app.add_exception_handler(exc_class, database_error)


def log_unexpected(request: Request, exc: Exception) -> None:
    """Log an exception nobody handled, with its traceback (never sent to the client)."""
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=exc,
    )


def database_unavailable() -> ProblemDetails:
    """503 with Retry-After: the database could not be reached (or was busy) just now."""
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
    return details(
        503,
        DATABASE_UNAVAILABLE,
        slug="database-unavailable",
        title="Database unavailable",
        headers=headers,
    )


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lost database is a 503 to retry; any other database error a 500, logged."""
    if is_database_lost(exc):
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return database_unavailable().response()
    log_unexpected(request, exc)
    return problem(500, "Something went wrong on our side; it has been logged.")


# --- OpenAPI documentation of problem responses -------------------------------------


class FieldProblem(BaseModel):
    """What is wrong with one field of the request."""

    field: str | None = Field(
        description="The field at fault in camelCase (`parameters.maxTokens`, `limit`, "
        "`categoryId`); empty when the body as a whole is at fault."
    )
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail: the shape of every error the API returns."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="What kind of problem: `/problems/<kind>` or `about:blank`.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, for people.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="One entry per field at fault (validation and conflicts)."
    )


PROBLEM_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "Not signed in: no valid session cookie or bearer token.",
    402: "Refused before any provider call: the run's estimate would take this month's "
    "spending past a budget (`budget`, `spentUsd`, `estimateUsd`).",
    403: "Refused, e.g. a cookie-authenticated change without its X-CSRF-Token.",
    404: "It does not exist, or it is not yours.",
    409: "It would break a uniqueness rule; `errors` names the field.",
    413: "The request body is larger than 1 MB.",
    422: "Invalid input; `errors` names each field at fault.",
    429: "Too many attempts (or runs in progress); Retry-After says when to try again.",
    503: "Unavailable for now (the database, or something the server is not set up for); "
    "with Retry-After when it is worth trying again soon.",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` saying the route answers these status codes with a Problem."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        code: {
            "description": PROBLEM_DESCRIPTIONS.get(code, HTTPStatus(code).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for code in codes
    }


def document_problems(app: FastAPI) -> None:
    """Add the Problem schema to the app's OpenAPI components, where problem_responses point."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in components:
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem_schema.pop("$defs", {}))
            components["Problem"] = problem_schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
