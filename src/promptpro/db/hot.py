"""Statements someone waits on, executed with as little machinery as the driver allows.

SQLAlchemy's execution path (a Connection, an execution context, a Result) costs about
0.15 ms of CPU per statement here, twice what PostgreSQL takes to answer a lookup by
primary key. A prompt run waits on two statements (its plan and its record), so on
asyncpg a `HotStatement` compiles its Core statement once and runs it on the driver
connection of a connection from SQLAlchemy's pool, converting parameters and results
with the processors of the statement's own column types, as SQLAlchemy would, and
raising SQLAlchemy's exceptions. Other drivers (SQLite) take SQLAlchemy's own path.
Either way the statement is written once, in Core, and each runs outside a transaction:
it commits by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.errors import is_database_lost

# SQLite has one writer. Writers on several pooled connections queue on its file lock, and
# its busy handler polls it with sleeps growing to 100 ms: at 32 concurrent runs a record
# waited up to seconds though each write takes a fraction of a millisecond. A process's
# own hot writes queue here instead, each let in as soon as the one before it commits.
_sqlite_writers: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def _one_writer(engine: AsyncEngine, statement: Any) -> AsyncIterator[None]:
    """Hold this process's SQLite write turn for a write; nothing for a read."""
    if isinstance(statement, sa.Select):
        yield
        return
    lock = _sqlite_writers.get(engine.sync_engine)
    if lock is None:
        lock = _sqlite_writers[engine.sync_engine] = asyncio.Lock()
    async with lock:
        yield


Row = tuple[Any, ...]
Statement = sa.Select[Any] | sa.Insert | sa.Update | sa.Delete
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as asyncpg takes it: SQL with $n markers, and how to fill them."""

    sql: str
    names: tuple[str, ...]  # the parameter behind each $n, in order
    fixed: dict[str, Any]  # values the statement carries itself (a LIMIT's 1)
    binds: tuple[_Processor, ...]
    results: tuple[_Processor, ...]

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        values = [params[name] if name in params else self.fixed[name] for name in self.names]
        try:
            return _converted(values, self.binds)
        except Exception as exc:
            # What SQLAlchemy raises when a column type refuses a value.
            raise StatementError(str(exc), self.sql, params, exc) from exc

    def row(self, record: Sequence[Any]) -> Row:
        return tuple(_converted(record, self.results))


def _converted(values: Sequence[Any], processors: Sequence[_Processor]) -> list[Any]:
    return [
        value if process is None else process(value)
        for value, process in zip(values, processors, strict=True)
    ]


def _compile(statement: Statement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    binds = [compiled.binds[name] for name in names]
    columns = statement.exported_columns  # a SELECT's columns, or a write's RETURNING
    return _Compiled(
        sql=compiled.string,
        names=names,
        fixed={
            name: bind.value for name, bind in zip(names, binds, strict=True) if not bind.required
        },
        binds=tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds),
        results=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ),
    )


class HotStatement:
    """One Core statement, run on the driver where that costs less, with SQLAlchemy's types."""

    def __init__(self, statement: Statement) -> None:
        compiled = statement.compile()
        defaulted = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if defaulted:
            # SQLAlchemy computes these while executing; the driver path can't, so the
            # statement must carry them (on every path, so that both behave alike).
            columns = ", ".join(column.name for column in defaulted)
            raise ValueError(f"Give {columns} (Python-side defaults) in the statement itself")
        self.statement = statement
        self._compiled: _Compiled | None = None

    async def rows(self, engine: AsyncEngine, params: dict[str, Any]) -> list[Row]:
        """The rows the statement returns (a SELECT, or a write with RETURNING)."""
        if engine.dialect.driver != "asyncpg":
            async with _one_writer(engine, self.statement), engine.begin() as connection:
                return [tuple(row) for row in await connection.execute(self.statement, params)]
        compiled, records = await self._on_driver(engine, params, fetch=True)
        return [compiled.row(record) for record in records]

    async def rowcount(self, engine: AsyncEngine, params: dict[str, Any]) -> int:
        """How many rows the statement (an UPDATE or a DELETE) changed."""
        if engine.dialect.driver != "asyncpg":
            async with _one_writer(engine, self.statement), engine.begin() as connection:
                return int((await connection.execute(self.statement, params)).rowcount)
        _, status = await self._on_driver(engine, params, fetch=False)
        return int(status.rpartition(" ")[2] or 0)  # asyncpg's status: "UPDATE 1"

    async def _on_driver(
        self, engine: AsyncEngine, params: dict[str, Any], *, fetch: bool
    ) -> tuple[_Compiled, Any]:
        """Run on the asyncpg connection under a pooled one, raising SQLAlchemy's errors."""
        async with engine.connect() as connection:
            if self._compiled is None:
                self._compiled = _compile(self.statement, connection.dialect)
            compiled = self._compiled
            raw = await connection.get_raw_connection()
            driver: asyncpg.Connection = raw.driver_connection
            run = driver.fetch if fetch else driver.execute
            arguments = compiled.arguments(params)
            try:
                return compiled, await run(compiled.sql, *arguments)
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise IntegrityError(compiled.sql, None, exc) from exc
            except Exception as exc:
                # A failed connection (or one asyncpg lost track of, as when the server ends
                # the session while it idles) must not be handed out by the pool again.
                lost = (
                    driver.is_closed()
                    or not isinstance(exc, asyncpg.PostgresError)
                    or is_database_lost(exc)  # e.g. 57P01, the server shutting down
                )
                if lost:
                    # As SQLAlchemy does on a disconnect: every connection opened before
                    # this one is presumed dead too (the server restarted), and is replaced
                    # at its next checkout instead of failing the next statement as well.
                    engine.sync_engine.pool._invalidate(raw, exc, _checkin=False)
                    await connection.invalidate()
                raise DBAPIError(compiled.sql, None, exc, connection_invalidated=lost) from exc
            except asyncio.CancelledError:
                # Left in the middle of a statement, the connection can't serve the next one.
                await connection.invalidate()
                raise
