"""Errors as pages: a styled page (or a trip to sign in) for people, problems for programs.

`install_page_errors` wraps the problem+json handlers of `api/problems.py`: a request
for a page (a page route, or any non-API address a browser asks HTML for) gets a page;
everything else keeps its RFC 9457 problem. Never a stack trace, never a blank page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from urllib.parse import quote, urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from promptpro.db.errors import DATABASE_ERRORS, is_database_lost
from promptpro.db.session import unit_of_work
from promptpro.deps import session_cookie_name
from promptpro.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    Invalid,
    KeyUnavailable,
    NotFound,
    PromptProError,
    ProviderError,
    RateLimited,
    Unauthenticated,
)
from promptpro.services import sessions
from promptpro.services.sessions import SessionPolicy
from promptpro.storage import Storage
from promptpro.web.forms import safe_next
from promptpro.web.security import security_headers
from promptpro.web.templating import Viewer, render

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

PAGE_PATHS: tuple[str, ...] = ("/login", "/register", "/logout", "/prompts", "/compare")
PAGE_PATHS += ("/categories", "/settings", "/static", "/admin", "/invitations", "/workspaces")
NOT_PAGES = ("/api/", "/auth/oidc/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")
NOT_FOUND = "There is nothing here. It may have been deleted, or the link is mistyped."
FORM_EXPIRED = (
    "This form was open too long, or you signed in again since. Go back, reload the page "
    "and try again: what you typed may still be there."
)
BROKEN = "Something went wrong on our side; it has been logged. Please try again."
DATABASE_AWAY = (
    "The database is unavailable for a moment. Nothing you sent was lost on our side: "
    "try again in a few seconds."
)
DATABASE_RETRY_AFTER_S = 5


class RolledBack(Exception):
    """Raised to answer with `response` (a form shown again) and roll the changes back.

    A failed flush (a uniqueness conflict) leaves the unit of work unable to commit or
    even read; raising lets it roll back, and the handler still answers with the page.
    So the page must be rendered from what was read before the write was tried.
    """

    def __init__(self, response: Response) -> None:
        super().__init__("answered with a page; the changes are rolled back")
        self.response = response


def is_page_request(request: Request) -> bool:
    """Whether the request is for a page (answered in HTML) rather than the API."""
    path = request.url.path
    if path.startswith(NOT_PAGES):
        return False
    if path == "/" or any(path == p or path.startswith(p + "/") for p in PAGE_PATHS):
        return True
    return "text/html" in request.headers.get("accept", "")


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To sign in, and back to this page (or, for a form, the page that had it) after."""
    target = str(request.url.path)
    if request.url.query:
        target += f"?{request.url.query}"
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        # Our own address is the configured one: the Host header is the client's to choose.
        own = urlsplit(request.app.state.settings.public_url)
        same_site = (referer.scheme, referer.netloc) == (own.scheme, own.netloc)
        target = referer.path + (f"?{referer.query}" if referer.query else "") if same_site else "/"
    next_path = safe_next(target, "/prompts")
    return RedirectResponse(f"/login?next={quote(next_path, safe='/')}", status_code=303)


async def _viewer(request: Request) -> tuple[Viewer, str] | None:
    """Who is signed in, for an error page's menu (None if nobody, or it can't be told)."""
    settings = request.app.state.settings
    if not request.cookies.get(session_cookie_name(settings)):
        return None
    try:
        async with unit_of_work(request.app.state.session_factory) as session:
            storage = Storage(session)
            active = getattr(request.state, "active_session", None)
            if active is None:
                policy = SessionPolicy.from_settings(settings)
                cookie = request.cookies[session_cookie_name(settings)]
                active = await sessions.load_session(storage, policy, cookie)
            user = await sessions.session_user(storage, active)
            if active is None or user is None:
                return None
            return Viewer(user.id, user.username), active.csrf_token
    except Exception:  # the page still shows, without the menu
        log.warning("could not tell who is signed in for an error page", exc_info=True)
        return None


def error_page(request: Request, status: int, message: str, title: str | None = None) -> Response:
    """The styled error page (with the menu, for someone signed in)."""
    viewer, csrf_token = getattr(request.state, "error_viewer", None) or (None, "")
    return render(
        request,
        "errors/error.html",
        user=viewer,
        csrf_token=csrf_token,
        status_code=status,
        headers=security_headers(request.url.path),
        status=status,
        title=title or HTTPStatus(status).phrase,
        message=message,
    )


def _domain_page(request: Request, exc: PromptProError) -> Response:
    if isinstance(exc, Unauthenticated):
        return sign_in_redirect(request)
    if isinstance(exc, NotFound):
        return error_page(request, 404, NOT_FOUND, "Not found")
    if isinstance(exc, Forbidden):
        if exc.kind == "csrf":
            return error_page(request, 403, FORM_EXPIRED, "Please reload the form")
        return error_page(request, 403, exc.detail, exc.title)
    if isinstance(exc, Conflict):
        return error_page(request, 409, exc.detail, exc.title)
    if isinstance(exc, Invalid):
        return error_page(request, 422, exc.detail, exc.title)
    if isinstance(exc, RateLimited):
        return error_page(request, 429, exc.detail, exc.title)
    if isinstance(exc, ProviderError):
        return error_page(request, 502, exc.detail, exc.title)
    if isinstance(exc, KeyUnavailable | ConfigurationError):
        return error_page(request, 503, exc.detail, exc.title)
    return error_page(request, 400, exc.detail, exc.title)


def page_error(request: Request, exc: Exception) -> Response:
    """The page for an error raised while serving a page."""
    if isinstance(exc, PromptProError):
        return _domain_page(request, exc)
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return error_page(request, 404, NOT_FOUND, "Not found")
        response = error_page(request, exc.status_code, "This address doesn't work that way.")
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response
    if isinstance(exc, RequestValidationError):
        return error_page(request, 400, "This link or form isn't one we understand.")
    if is_database_lost(exc):
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        page = error_page(request, 503, DATABASE_AWAY, "Please try again shortly")
        page.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return page
    log.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return error_page(request, 500, BROKEN, "Something went wrong")


def _either(api_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_page_request(request):
            # A page the person can go on from: their menu, unless not signed in or crashed.
            expected = isinstance(exc, PromptProError | HTTPException | RequestValidationError)
            if expected and not isinstance(exc, Unauthenticated):
                request.state.error_viewer = await _viewer(request)
            return page_error(request, exc)
        response = api_handler(request, exc)
        return response if isinstance(response, Response) else await response

    return handle


async def _rolled_back(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RolledBack)
    return exc.response


def install_page_errors(app: FastAPI) -> None:
    """Answer page requests' errors with pages; keep the API's problem handlers for the rest."""
    app.add_exception_handler(RolledBack, _rolled_back)
    handled = (RequestValidationError, HTTPException, PromptProError, *DATABASE_ERRORS, Exception)
    for exc_class in handled:
        api_handler = app.exception_handlers[exc_class]
        app.add_exception_handler(exc_class, _either(api_handler))
