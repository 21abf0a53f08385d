"""Revision 0008: the index a workspace's audit log is read by, made and dropped again,
with the events kept."""

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

INDEX = "ix_audit_events_workspace_id_id"


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


async def _run(url: str, statement: str, params: dict[str, object] | None = None) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(statement), params or {})
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def _indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(
                lambda sync: [i["name"] for i in sa.inspect(sync).get_indexes("audit_events")]
            )
            return {str(name) for name in names}
    finally:
        await engine.dispose()


def test_the_workspace_audit_index_comes_and_goes_and_events_stay(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0007"))
    asyncio.run(
        _run(
            blank_url,
            "INSERT INTO audit_events (occurred_at, workspace_id, action, summary) "
            "VALUES (:at, 7, 'workspace.created', 'Created workspace 7')",
            {"at": datetime(2026, 1, 1, tzinfo=UTC)},
        )
    )
    assert INDEX not in asyncio.run(_indexes(blank_url))
    asyncio.run(migrate.upgrade(blank_url, "0008"))
    assert INDEX in asyncio.run(_indexes(blank_url))
    asyncio.run(migrate.downgrade(blank_url, "0007"))
    assert INDEX not in asyncio.run(_indexes(blank_url))
    asyncio.run(migrate.upgrade(blank_url, "0008"))
    rows = asyncio.run(_run(blank_url, "SELECT workspace_id, action FROM audit_events"))
    assert rows == [(7, "workspace.created")]
