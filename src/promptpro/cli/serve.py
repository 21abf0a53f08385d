"""`promptpro serve`: check the schema, then run the web server."""

from __future__ import annotations

import asyncio
import logging
import os
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
    # The default public URL (PROMPTPRO_PUBLIC_URL unset) is this server's address; the
    # worker processes inherit the environment.
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level)
    asyncio.run(prepare_database(settings, apply_migrations=migrate_schema))
    log.info(
        "PromptPro on http://%s:%d, public URL %s (database %s)",
        host,
        port,
        settings.public_url,
        display_url(settings.database_url),
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
    )
