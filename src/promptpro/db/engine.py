"""One async engine per database URL, tuned for the database behind it."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
# Only a connection that sat idle this long is checked before use (see _ping_when_idle).
PING_IDLE_AFTER_S = 10.0


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_tuner(*, foreign_keys: bool) -> Any:
    def tune(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers run beside the single writer; foreign keys are off by default
        # in SQLite; without a busy timeout a second writer fails at once instead of waiting.
        # SQLite's own lower() folds ASCII only; PostgreSQL's folds every letter. The same
        # function serves the case-insensitive unique indexes, so both agree on "Été"/"été".
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return tune


def _create_private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600), as the key files are.

    SQLite gives the -wal and -shm files it makes the database file's mode, so they are
    private too. An existing file is left as it is; so is an in-memory database.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _ping_when_idle(engine: AsyncEngine, idle_after: float) -> None:
    """Check a pooled connection before use if it sat idle for `idle_after` seconds.

    SQLAlchemy's pool_pre_ping checks every checkout, which asyncpg does as BEGIN, SELECT,
    ROLLBACK: three round trips, more than a short request's own queries. A connection
    only goes stale while idle (the database restarted, a firewall dropped it), so one in
    steady use skips the check; a dead one is replaced, with every older one, on checkout.
    """
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_after:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.InvalidatePoolError() from exc

    sa.event.listen(sync_engine, "checkin", checked_in)
    sa.event.listen(sync_engine, "checkout", checked_out)


def create_engine(
    url: str,
    *,
    echo: bool = False,
    for_migrations: bool = False,
    ping_idle_after: float = PING_IDLE_AFTER_S,
) -> AsyncEngine:
    """An engine for `url` (already normalised to an async driver).

    Migrations on SQLite run with foreign keys off: batch migrations rebuild tables,
    and with them on, dropping the old table would cascade into its children.
    """
    if url.startswith("sqlite"):
        _create_private_file(make_url(url).database)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, pool_size=20, max_overflow=20
        )
        tune = _sqlite_tuner(foreign_keys=not for_migrations)
        sa.event.listen(engine.sync_engine, "connect", tune)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=20, max_overflow=0, pool_recycle=1800)
    _ping_when_idle(engine, ping_idle_after)
    return engine


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))


def display_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)
