"""Revision 0017 (uploads) goes up on a database with workspaces, down and up again."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from promptpro.db.engine import create_engine
from tests.conftest import require_postgres
from tests.support import databases

AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'blank.db'}"
        return
    url = databases.create_postgres_database(require_postgres(), migrated=False)
    try:
        yield url
    finally:
        databases.drop_postgres_database(url)


async def _run(url: str, *statements: tuple[str, dict[str, Any]]) -> list[Any]:
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


def _tables(url: str) -> set[str]:
    async def names() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(names())


def test_uploads_go_up_down_and_up_again_keeping_the_workspaces(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0015"))
    asyncio.run(
        _run(
            blank_url,
            (
                "INSERT INTO users (id, username, created_at, updated_at) "
                "VALUES ('a', 'ada', :at, :at)",
                {"at": AT},
            ),
            (
                "INSERT INTO workspaces (id, name, personal_user_id, created_at, updated_at) "
                "VALUES (1, 'Personal', 'a', :at, :at)",
                {"at": AT},
            ),
        )
    )
    asyncio.run(migrate.upgrade(blank_url, "0017"))
    assert "uploads" in _tables(blank_url)
    insert = (
        "INSERT INTO uploads (id, workspace_id, created_by_id, media_type, sha256, size, data, "
        "created_at) VALUES (:id, 1, 'a', 'image/png', 'abc', 3, :data, :at)"
    )
    asyncio.run(_run(blank_url, (insert, {"id": "u1", "data": b"\x89PN", "at": AT})))
    assert asyncio.run(_run(blank_url, ("SELECT data FROM uploads", {}))) == [(b"\x89PN",)]
    # The same bytes (hash) are one upload per workspace.
    with pytest.raises(sa.exc.IntegrityError):
        asyncio.run(_run(blank_url, (insert, {"id": "u2", "data": b"\x89PN", "at": AT})))
    # A workspace deleted takes its uploads with it.
    asyncio.run(_run(blank_url, ("DELETE FROM workspaces", {})))
    assert asyncio.run(_run(blank_url, ("SELECT count(*) FROM uploads", {}))) == [(0,)]

    asyncio.run(migrate.downgrade(blank_url, "0015"))
    assert "uploads" not in _tables(blank_url)
    assert asyncio.run(_run(blank_url, ("SELECT username FROM users", {}))) == [("ada",)]

    asyncio.run(migrate.upgrade(blank_url, "0017"))
    assert asyncio.run(_run(blank_url, ("SELECT count(*) FROM uploads", {}))) == [(0,)]
