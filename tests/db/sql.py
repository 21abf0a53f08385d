"""Plain SQL and schema look-ups for the migration tests, which work below the models.

Synchronous, like the tests that call `asyncio.run(migrate.upgrade(...))` between them; each
call opens its own engine and disposes of it, so it sees the schema the last migration left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from promptpro.db.engine import create_engine

AT = datetime(2025, 1, 1, tzinfo=UTC)

T = TypeVar("T")


async def _run_all(url: str, statements: tuple[tuple[str, dict[str, Any]], ...]) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[Any] = []
            for statement, params in statements:
                result = await conn.execute(sa.text(statement), params)
                rows = list(result) if result.returns_rows else []
            return rows
    finally:
        await engine.dispose()


def run_all(url: str, *statements: tuple[str, dict[str, Any]]) -> list[Any]:
    """Run (statement, params) pairs in one transaction; the last one's rows."""
    return asyncio.run(_run_all(url, statements))


def run(url: str, statement: str, /, **params: Any) -> list[Any]:
    """Run one statement in its own transaction; its rows (none if it returns none)."""
    return run_all(url, (statement, params))


async def _inspect(url: str, look: Callable[[sa.Inspector], T]) -> T:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def inspected(sync: Connection) -> T:
                return look(sa.inspect(sync))

            return await conn.run_sync(inspected)
    finally:
        await engine.dispose()


def tables(url: str) -> set[str]:
    """The names of the database's tables."""
    return asyncio.run(_inspect(url, lambda i: set(i.get_table_names())))


def indexes(url: str, table: str | None = None) -> set[str]:
    """Index names of `table` (else of every table); SQLite hides its expression indexes."""

    def names(inspector: sa.Inspector) -> set[str]:
        wanted = inspector.get_table_names() if table is None else [table]
        return {str(i["name"]) for t in wanted for i in inspector.get_indexes(t)}

    return asyncio.run(_inspect(url, names))


def columns(url: str, table: str) -> set[str]:
    """The names of a table's columns."""
    return asyncio.run(_inspect(url, lambda i: {c["name"] for c in i.get_columns(table)}))
