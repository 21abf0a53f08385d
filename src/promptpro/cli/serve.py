"""`promptpro serve`: check the schema (backing SQLite up before migrating it), then serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
import uvicorn

from promptpro.config import Settings, get_settings
from promptpro.db import backup, migrate
from promptpro.db.engine import display_url
from promptpro.errors import ConfigurationError
from promptpro.logs import configure_logging
from promptpro.services import jobs

log = logging.getLogger(__name__)
APP = "promptpro.app:create_app"
# How long the announcement waits for worker processes to listen.
LISTEN_WAIT_S = 120.0


async def prepare_database(settings: Settings, *, apply_migrations: bool) -> None:
    """Bring the schema to head (SQLite, or when asked), or refuse an outdated one.

    A SQLite database with data is first copied into its `backups/` directory: a migration
    that goes wrong (or a version that turns out worse) then loses nothing.
    """
    url = settings.database_url
    head = migrate.head_revision()
    current = await migrate.current_revision(url)
    if current == head:
        return
    if settings.is_sqlite or apply_migrations:
        path = backup.sqlite_file(url)
        if path is not None and current is not None:
            copy = await asyncio.to_thread(
                backup.backup_before, path, current, keep=settings.backups_kept
            )
            log.info("Copied %s to %s before migrating it", path, copy)
        log.info("Migrating %s from %s to %s", display_url(url), current or "base", head)
        await migrate.upgrade(url)
        if not settings.is_sqlite:
            await jobs.apply_job_schema(url)  # the evaluation workers' queue
        return
    raise ConfigurationError(
        f"The database at {display_url(url)} is at revision {current or 'base'}, "
        f"but this version of PromptPro needs {head}. "
        "Run `promptpro db upgrade` (or start with `promptpro serve --migrate`)."
    )


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that says where it is once it listens, not before."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start listening, then announce (unless starting failed)."""
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self.announce()


def _probe_host(host: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def _port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _announce_when_listening(host: str, port: int, announce: Callable[[], None]) -> None:
    """Announce once a worker process accepts connections (several workers, or --reload)."""

    def wait() -> None:
        deadline = time.monotonic() + LISTEN_WAIT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
                announce()
                return
            time.sleep(0.05)

    threading.Thread(target=wait, daemon=True, name="announce").start()


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
    # The default public URL (PROMPTPRO_PUBLIC_URL unset) is this server's address; the
    # worker processes inherit the environment.
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    check_workers(settings, workers)
    asyncio.run(prepare_database(settings, apply_migrations=migrate_schema))
    shown = f"[{host}]" if ":" in host else host

    def announce() -> None:
        log.info(
            "PromptPro on http://%s:%d, public URL %s (database %s)",
            shown,
            port,
            settings.public_url,
            display_url(settings.database_url),
        )

    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers if not reload else None,
        "reload": reload,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        # A worker answers the health check only once it has imported the app (the SDKs
        # take seconds on a loaded machine); uvicorn's 5 s default killed workers mid-import.
        "timeout_worker_healthcheck": settings.worker_healthcheck_seconds,
    }
    database = backup.sqlite_file(settings.database_url)
    with backup.serving(database) if database else contextlib.nullcontext():
        if reload or workers > 1:
            if _port_taken(host, port):
                raise ConfigurationError(f"Port {port} on {host} is in use already.")
            _announce_when_listening(_probe_host(host), port, announce)
            uvicorn.run(APP, **options)
            return
        server = AnnouncingServer(uvicorn.Config(APP, **options), announce)
        server.run()
        if not server.started:
            sys.exit(3)
