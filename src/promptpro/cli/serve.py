"""`promptpro serve`: check the schema, then run the web server."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
import uvicorn

from promptpro.config import Settings, get_settings
from promptpro.db import migrate
from promptpro.db.engine import display_url
from promptpro.errors import ConfigurationError
from promptpro.logs import configure_logging

log = logging.getLogger(__name__)


async def prepare_database(settings: Settings, *, apply_migrations: bool) -> None:
    """Bring the schema to head (SQLite, or when asked), or refuse an outdated one."""
    url = settings.database_url
    head = migrate.head_revision()
    current = await migrate.current_revision(url)
    if current == head:
        return
    if settings.is_sqlite or apply_migrations:
        log.info("Migrating %s from %s to %s", display_url(url), current or "base", head)
        await migrate.upgrade(url)
        return
    raise ConfigurationError(
        f"The database at {display_url(url)} is at revision {current or 'base'}, "
        f"but this version of PromptPro needs {head}. "
        "Run `promptpro db upgrade` (or start with `promptpro serve --migrate`)."
    )


SQLITE_ONE_WORKER = (
    "SQLite serves one worker process: it has a single writer, and writers in several "
    'processes queue on a file lock that gives up after a timeout under load ("database '
    'is locked"), failing requests, and runs that had already been paid for. One worker '
    "handles hundreds of concurrent runs; for more processes, use PostgreSQL "
    "(DATABASE_URL=postgresql://…)."
)


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse a setup that would fail under load: several worker processes on SQLite."""
    if workers > 1 and settings.is_sqlite:
        raise ConfigurationError(f"--workers {workers}: {SQLITE_ONE_WORKER}")


def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    migrate_schema: Annotated[
        bool, typer.Option("--migrate", help="Apply pending migrations (always on SQLite).")
    ] = False,
) -> None:
    """Serve PromptPro over HTTP."""
    settings = get_settings()
    configure_logging(settings.log_level)
    check_workers(settings, workers)
    asyncio.run(prepare_database(settings, apply_migrations=migrate_schema))
    log.info(
        "PromptPro on http://%s:%d (database %s)", host, port, display_url(settings.database_url)
    )
    uvicorn.run(
        "promptpro.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # A worker answers the health check only once it has imported the app (the SDKs
        # take seconds on a loaded machine); uvicorn's 5 s default killed workers mid-import.
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
    )
