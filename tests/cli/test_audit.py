"""`promptpro audit prune --older-than AGE` deletes only the events older than AGE."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from promptpro.cli import app
from promptpro.config import get_settings
from promptpro.db.engine import create_engine
from promptpro.db.models import AuditEvent
from promptpro.db.types import utcnow

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


async def _seed(url: str, ages_in_days: list[int]) -> None:
    now = utcnow()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(AuditEvent),
                [
                    {
                        "occurred_at": now - timedelta(days=days),
                        "action": "auth.signed_in",
                        "summary": f"{days} days ago",
                    }
                    for days in ages_in_days
                ],
            )
    finally:
        await engine.dispose()


async def _summaries(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(AuditEvent.summary).order_by(AuditEvent.id))
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


def test_prune_deletes_only_older_events(env: str) -> None:
    asyncio.run(_seed(env, [400, 366, 364, 1]))
    result = runner.invoke(app, ["audit", "prune", "--older-than", "365d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 audit events." in result.output
    assert asyncio.run(_summaries(env)) == ["364 days ago", "1 days ago"]


@pytest.mark.parametrize("age", ["365", "0d", "-1d", "1y", "d", "99999999999d"])
def test_prune_refuses_an_unreadable_age(env: str, age: str) -> None:
    result = runner.invoke(app, ["audit", "prune", "--older-than", age])
    assert result.exit_code == 2
    assert "365d" in result.output
