"""Server-rendered pages (Jinja2) over the same services as the API."""

from __future__ import annotations

from fastapi import FastAPI

from promptpro.web.errors import install_page_errors
from promptpro.web.guards import FormOnce
from promptpro.web.pages import router
from promptpro.web.security import SecurityHeadersMiddleware
from promptpro.web.static import STATIC_PREFIX, HashedStaticFiles


def install_web(app: FastAPI) -> None:
    """Add the pages, their static files, their error pages and the security headers."""
    app.state.form_once = FormOnce()
    app.include_router(router)
    app.mount(STATIC_PREFIX, HashedStaticFiles(), name="static")
    install_page_errors(app)  # after install_problem_handlers, whose handlers it wraps
    # Outermost: every response gets them.
    app.add_middleware(SecurityHeadersMiddleware, https=app.state.settings.https)
