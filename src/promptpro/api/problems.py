"""RFC 9457 problem details: every error the HTTP layer returns, in one shape."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException

from promptpro.errors import (
    ConfigurationError,
    Conflict,
    Invalid,
    NeedsKey,
    NotFound,
    PromptProError,
    ProviderError,
    ProviderErrorKind,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

_PROVIDER_STATUS = {
    ProviderErrorKind.BAD_KEY: 502,
    ProviderErrorKind.RATE_LIMITED: 429,
    ProviderErrorKind.TIMEOUT: 504,
    ProviderErrorKind.UPSTREAM: 502,
    ProviderErrorKind.UNKNOWN_MODEL: 422,
}


def problem_type(slug: str) -> str:
    """The `type` URI of one kind of problem."""
    return f"/problems/{slug}"


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
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(to_camel(part) if not part.isdigit() else part for part in parts)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """422 with one message per field (never echoing the input back: it may hold secrets)."""
    errors = []
    for error in exc.errors():
        message = error["msg"]
        if error["type"] == "json_invalid":
            message = "The body is not valid JSON."
        errors.append({"field": _field_name(tuple(error["loc"])), "message": message})
    detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
    return problem(422, detail, slug="validation", title="Invalid input", errors=errors)


def domain_problem(exc: PromptProError) -> JSONResponse:
    """The response for a domain error."""
    if isinstance(exc, NotFound):
        return problem(404, exc.detail, slug="not-found", title=exc.title)
    if isinstance(exc, Conflict):
        errors = [{"field": exc.field, "message": exc.detail}]
        return problem(409, exc.detail, slug="conflict", title=exc.title, errors=errors)
    if isinstance(exc, NeedsKey):
        return problem(422, exc.detail, slug="no-key", title=exc.title, provider=exc.provider)
    if isinstance(exc, Invalid):
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else []
        return problem(422, exc.detail, slug="validation", title=exc.title, errors=errors)
    if isinstance(exc, ProviderError):
        headers = {"Retry-After": str(round(exc.retry_after))} if exc.retry_after else None
        return problem(
            _PROVIDER_STATUS[exc.kind],
            exc.detail,
            slug=str(exc.kind),
            title=exc.title,
            headers=headers,
            provider=exc.provider,
        )
    if isinstance(exc, ConfigurationError):
        return problem(503, exc.detail, slug="configuration", title=exc.title)
    return problem(400, exc.detail, title=exc.title)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error, expected or not, a problem+json response."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(PromptProError)
    async def _domain(_: Request, exc: PromptProError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        return problem(500, "Something went wrong on our side; it has been logged.")
