"""Telling a lost (or busy) database from a bug: the one is waited out, the other is not.

A database that restarted, refused a connection, or (SQLite) stayed locked past the busy
timeout raises one of several exceptions depending on where it was noticed: SQLAlchemy's
wrappers, asyncpg's own errors (on the `db.hot` path), or a plain `OSError` while
connecting. All of them mean "try again shortly", never "this request is wrong".
"""

from __future__ import annotations

import socket

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import exc as sa_exc

# asyncpg's errors that mean the connection (or the server behind it) is gone or not ready.
_ASYNCPG_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: connection exceptions
    asyncpg.CannotConnectNowError,  # 57P03: the server is starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01: terminated by the administrator (a restart)
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.InterfaceError,  # "connection is closed", "another operation is in progress"
)
# What the exception handlers must catch so that these become answers, not crashes.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,  # no pooled connection came free in time
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
)


def _lost(error: BaseException) -> bool:
    if isinstance(error, ValueError):
        return False  # asyncpg's DataError (an InterfaceError too): a value it can't send
    if isinstance(error, sa_exc.DBAPIError):
        if isinstance(error.orig, ValueError):
            return False
        if error.connection_invalidated:
            return True
        # SQLAlchemy's OperationalError and InterfaceError are the driver saying the
        # connection or the database can't serve (on SQLite: "database is locked").
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    # asyncio's "Multiple exceptions: [Errno 111] Connect call failed …" (one per address)
    # is a plain OSError; a file's (FileNotFoundError, PermissionError) is not ours to retry.
    return type(error) is OSError or isinstance(error, _ASYNCPG_LOST)


def is_database_lost(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database is unreachable or busy."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if _lost(current):
            return True
        seen.add(id(current))
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False
