"""The application factory: settings in, a FastAPI app out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount

from promptpro import __version__
from promptpro.api import (
    admin,
    auth,
    categories,
    health,
    keys,
    me,
    models,
    oidc,
    prompts,
    responses,
    runs,
    tokens,
)
from promptpro.api.limits import BodySizeLimitMiddleware
from promptpro.api.problems import document_problems, install_problem_handlers
from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory
from promptpro.logs import RequestLogMiddleware, configure_logging
from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.security.vault import Vault
from promptpro.services.housekeeping import tidy_periodically
from promptpro.services.run_execution import RunExecutor
from promptpro.services.tokens import TokenCache, invalidation_listener
from promptpro.storage.run_records import RunRecords
from promptpro.web import install_web

# How long stopping waits for a housekeeping round under way.
HOUSEKEEPING_GRACE_S = 5.0


# The methods a 405's Allow header may name (OPTIONS: no route answers it).
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route answers at the request's path, for a 405's Allow header."""
    routes = [route for route in app.router.routes if not isinstance(route, Mount)]
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def allow_every_method(app: FastAPI) -> None:
    """Make a 405's Allow name the methods of every route at the path.

    Starlette names only the first route whose path matched (GET for /api/v1/prompts,
    though POST is there too); run after every other handler is installed, it wraps them.
    """
    handler = app.exception_handlers[HTTPException]

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405 and (methods := allowed_methods(app, request)):
            headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
            exc = HTTPException(405, exc.detail, headers=headers)
        response = handler(request, exc)
        return response if isinstance(response, Response) else await response

    app.add_exception_handler(HTTPException, handle)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A PromptPro app on the database the settings name."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.providers = ProviderRegistry(ProviderConfig.from_settings(settings))
        app.state.runs = RunExecutor(RunRecords(engine), get_catalogue())
        # Every worker hears at once of tokens revoked and accounts changed by any other.
        tokens_heard = invalidation_listener(settings.database_url, app.state.token_cache)
        await tokens_heard.__aenter__()
        stop_housekeeping = asyncio.Event()
        housekeeping = asyncio.create_task(
            tidy_periodically(app.state.session_factory, settings, stop_housekeeping)
        )
        yield
        # Housekeeping finishes the round it is in (a few short statements); a stuck one is
        # cancelled.
        stop_housekeeping.set()
        if not (await asyncio.wait([housekeeping], timeout=HOUSEKEEPING_GRACE_S))[0]:
            housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await housekeeping
        # Runs in progress get a moment to finish, then are stored as they stand.
        await app.state.runs.registry.shutdown()
        await app.state.providers.aclose()
        await tokens_heard.__aexit__(None, None, None)
        await engine.dispose()

    app = FastAPI(
        title="PromptPro",
        version=__version__,
        summary="Write, organise, run and keep AI prompts.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_cache = TokenCache()  # this app's (this process's) authenticated tokens
    # Built here, not lazily: malformed master keys stop the app before it serves anything.
    app.state.vault = Vault.from_settings(settings)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware)  # inside the request log, which logs its 413s
    app.add_middleware(RequestLogMiddleware)
    # Routes are matched in order, one by one: the run routes, which someone waits on, first.
    app.include_router(runs.router, prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(oidc.router)
    app.include_router(me.router)
    app.include_router(tokens.router)
    app.include_router(keys.router)
    app.include_router(models.router)
    app.include_router(admin.router)
    for library_router in (categories.router, prompts.router, responses.router):
        app.include_router(library_router, prefix="/api/v1")
    document_problems(app)
    install_web(app)  # pages, /static, HTML error pages, security headers
    allow_every_method(app)
    return app
