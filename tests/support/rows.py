"""A database's rows as data: take them, tell which tables changed, put them back.

For tests that share one set of objects across many cases (the access matrix): a case
checks that a refused request changed nothing, and whatever a case did change is put back,
row by row, before the next, instead of building everything again (milliseconds, not the
second that a new app, new users and new objects cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from promptpro.db.base import Base

# table name -> primary key -> the row's values, in the table's column order
Rows = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]
# Rounds of putting back: one, unless a trigger answered the first (on SQLite, inserting
# a response counts it in its prompt's run_count), which the second then corrects.
ROUNDS = 3


def tables(*, leaving_out: Sequence[str] = ()) -> list[sa.Table]:
    """Every table, parents before children, but those named (bookkeeping that requests
    change as they go: sessions, tokens' last use, the audit log, …)."""
    return [table for table in Base.metadata.sorted_tables if table.name not in leaving_out]


def _key(table: sa.Table, row: Sequence[Any]) -> tuple[Any, ...]:
    names = list(table.columns.keys())
    return tuple(row[names.index(column.key)] for column in table.primary_key.columns)


async def take(conn: AsyncConnection, watched: Sequence[sa.Table]) -> Rows:
    """Every row of the watched tables."""
    taken: Rows = {}
    for table in watched:
        result = await conn.execute(sa.select(table))
        taken[table.name] = {_key(table, row): tuple(row) for row in result}
    return taken


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_json(dialect: str, table: sa.Table) -> str:
    """SQL for the table's rows as one JSON text, in primary key order."""
    order = ", ".join(_quoted(column.name) for column in table.primary_key.columns)
    if dialect == "postgresql":
        return f"(SELECT json_agg(t ORDER BY {order})::text FROM {_quoted(table.name)} t)"
    # SQLite: JSON holds no blobs (the key vault's ciphertexts): those as hex.
    values = ", ".join(
        f"CASE WHEN typeof({c}) = 'blob' THEN hex({c}) ELSE {c} END"
        for c in (_quoted(column.name) for column in table.columns)
    )
    ordered = f"SELECT * FROM {_quoted(table.name)} ORDER BY {order}"
    return f"(SELECT json_group_array(json_array({values})) FROM ({ordered}))"


Fingerprint = tuple[str | None, ...]


async def fingerprint(conn: AsyncConnection, watched: Sequence[sa.Table]) -> Fingerprint:
    """Every row of the watched tables as text, one per table, in one statement: enough to
    tell whether anything changed (a millisecond, where `take` costs a statement a table)."""
    dialect = conn.dialect.name
    columns = ", ".join(_as_json(dialect, table) for table in watched)
    return tuple((await conn.execute(sa.text(f"SELECT {columns}"))).one())


def _where(table: sa.Table, key: tuple[Any, ...]) -> sa.ColumnElement[bool]:
    pairs = zip(table.primary_key.columns, key, strict=True)
    return sa.and_(*(column == value for column, value in pairs))


def differing(watched: Sequence[sa.Table], wanted: Fingerprint, now: Fingerprint) -> list[sa.Table]:
    """The tables whose fingerprints differ."""
    return [table for table, was, is_ in zip(watched, wanted, now, strict=True) if was != is_]


async def _round(
    conn: AsyncConnection, changed_tables: Sequence[sa.Table], now: Rows, wanted: Rows
) -> None:
    """Put back the rows of the tables that changed."""
    for table in reversed(changed_tables):  # rows added: children first
        for key in now[table.name].keys() - wanted[table.name].keys():
            await conn.execute(sa.delete(table).where(_where(table, key)))
    for table in changed_tables:  # rows missing or changed: parents first
        columns = list(table.columns.keys())
        for key, row in wanted[table.name].items():
            values = dict(zip(columns, row, strict=True))
            if key not in now[table.name]:
                await conn.execute(sa.insert(table).values(values))
            elif now[table.name][key] != row:
                await conn.execute(sa.update(table).where(_where(table, key)).values(values))


async def put_back(
    engine: AsyncEngine, watched: Sequence[sa.Table], wanted: Rows, fingerprinted: Fingerprint
) -> Fingerprint:
    """Make the watched tables hold exactly `wanted` again (as `take` returned them, and
    `fingerprint` summed them up); the fingerprint of the rows put back.

    Deleting a row may cascade and inserting one fire a trigger: each round puts back the
    tables that differ after the last. A row put back may be written differently from the
    original (SQLite's CURRENT_TIMESTAMP "…:22" is SQLAlchemy's "…:22.000000"): the same
    values, so a new fingerprint.
    """
    for _ in range(ROUNDS):
        async with engine.begin() as conn:
            now_printed = await fingerprint(conn, watched)
            suspects = differing(watched, fingerprinted, now_printed)
            now = await take(conn, suspects)
            changed_tables = [table for table in suspects if now[table.name] != wanted[table.name]]
            if not changed_tables:
                return now_printed
            await _round(conn, changed_tables, now, wanted)
    raise AssertionError(f"rows could not be put back in {ROUNDS} rounds")
