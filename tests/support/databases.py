"""Fresh, migrated databases for tests: one per run, emptied before each test."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from promptpro.config import normalise_database_url
from promptpro.db import migrate
from promptpro.db.base import Base

POSTGRES_URL_VARIABLE = "PROMPTPRO_TEST_POSTGRES_URL"
# setval(…, 1, false) is RESTART without a statement built per sequence; only the
# sequences a test used (last_value is NULL on one not used since its restart).
RESTART_SEQUENCES = """
SELECT setval(format('%I', sequencename)::regclass, 1, false)
FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL
"""


def postgres_server_url() -> str | None:
    """The PostgreSQL server the tests may use, from the environment."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    return normalise_database_url(url) if url else None


async def _admin(server_url: str, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


def create_postgres_database(server_url: str, *, migrated: bool = True) -> str:
    """A new uniquely named database on the server (migrated to head), as a URL."""
    name = f"promptpro_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    # A throwaway database need not wait for each commit to reach the disk (a crash
    # loses it anyway): a quarter of the PostgreSQL tests' time was that wait.
    asyncio.run(_admin(server_url, f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    if migrated:
        asyncio.run(migrate.upgrade(url))
    return url


def drop_postgres_database(url: str) -> None:
    """Drop a database made by `create_postgres_database`."""
    parsed = make_url(url)
    server_url = parsed.set(database="postgres").render_as_string(hide_password=False)
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))


def create_sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = directory / "template.db"
    asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    """A fresh copy of the template, as a URL."""
    path = directory / "promptpro.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def empty_postgres(url: str) -> None:
    """Delete every row and restart the ids at 1, keeping the migrated schema.

    DELETE and a sequence restart, not TRUNCATE: on tables this small it is several times
    faster.
    All of it goes as one simple query on one asyncpg connection: a test pays one round
    trip for it, not an engine and a statement per table (about 50 ms on every test).
    """
    deletes = "".join(
        f'DELETE FROM "{table.name}";\n' for table in reversed(Base.metadata.sorted_tables)
    )
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f"BEGIN;\n{deletes}{RESTART_SEQUENCES};\nCOMMIT;")
    finally:
        await connection.close()
