"""The application factory: settings in, a FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from promptpro import __version__
from promptpro.api import health
from promptpro.api.problems import install_problem_handlers
from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory
from promptpro.logs import RequestLogMiddleware, configure_logging


def create_app(settings: Settings | None = None) -> FastAPI:
    """A PromptPro app on the database the settings name."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        yield
        await engine.dispose()

    app = FastAPI(
        title="PromptPro",
        version=__version__,
        summary="Write, organise, run and keep AI prompts.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(RequestLogMiddleware)
    app.include_router(health.router)
    return app
