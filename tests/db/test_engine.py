"""The engine is tuned for the database behind it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool

from promptpro.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from promptpro.db.models import Prompt


async def test_foreign_keys_are_enforced(session: AsyncSession) -> None:
    session.add(Prompt(user_id="nobody", title="T", content="C"))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_deletes_cascade_in_the_database_itself(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO users (id, username) VALUES ('u1', 'ada')"))
        await conn.execute(
            sa.text("INSERT INTO workspaces (id, name, personal_user_id) VALUES (7, 'P', 'u1')")
        )
        await conn.execute(
            sa.text(
                "INSERT INTO prompts (user_id, workspace_id, title, content)"
                " VALUES ('u1', 7, 'T', 'C')"
            )
        )
        await conn.execute(sa.text("DELETE FROM users WHERE id = 'u1'"))
        assert await conn.scalar(sa.text("SELECT count(*) FROM prompts")) == 0


async def test_the_engine_is_tuned_for_its_database(engine: AsyncEngine) -> None:
    if engine.dialect.name == "sqlite":
        async with engine.connect() as conn:
            assert await conn.scalar(sa.text("PRAGMA journal_mode")) == "wal"
            assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
            assert await conn.scalar(sa.text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
    else:
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.size() >= 5


async def test_a_connection_cut_while_idle_is_replaced_before_use(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to drop the connection")
    engine = create_engine(database_url, ping_idle_after=0)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(sa.text("SELECT pg_backend_pid()"))
        async with create_engine(database_url).connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with engine.connect() as conn:  # the pooled connection is dead: checked, replaced
            assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()


async def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    previous = os.umask(0o022)  # the usual umask, which would make them world-readable
    try:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:  # the WAL and shared-memory files exist now
            assert (await conn.execute(sa.text("SELECT x FROM t"))).scalar() == 1
            files = [path, path.with_name("private.db-wal"), path.with_name("private.db-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        await engine.dispose()
    finally:
        os.umask(previous)
    assert modes == {f.name: 0o600 for f in files}
