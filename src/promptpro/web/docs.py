"""The interactive API docs (/docs, /redoc), served with their assets from the app itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank offline and
need a loose policy. The assets here come from the `fastapi-offline` package (which bundles
them; nothing copied by hand), and each page gets a Content-Security-Policy of its own:
scripts only from this origin plus the page's one inline script by its hash. Swagger UI and
ReDoc set inline styles (React style attributes, styled-components), so styles stay
'unsafe-inline', and ReDoc runs its search in a worker made from a blob: URL.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_ASSETS_PREFIX = "/docs-assets"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(html: str) -> str:
    """The Content-Security-Policy for a docs page: its inline scripts allowed by hash only."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}".strip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc with Swagger UI and ReDoc from this app (create the app with
    `docs_url=None, redoc_url=None`)."""
    app.mount(DOCS_ASSETS_PREFIX, StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    assert app.openapi_url is not None

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - API",
                swagger_js_url=f"{root}{DOCS_ASSETS_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_ASSETS_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{root}{DOCS_ASSETS_PREFIX}/favicon.png",
                oauth2_redirect_url=None,
                # No badge fetched from validator.swagger.io: nothing leaves this origin.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_policy(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - API",
                redoc_js_url=f"{root}{DOCS_ASSETS_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{DOCS_ASSETS_PREFIX}/favicon.png",
                with_google_fonts=False,
            )
        )
