"""`promptpro sessions purge` deletes expired sessions and says how many."""

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
from promptpro.db.models import LoginAttempt, Session
from promptpro.db.types import utcnow

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


async def _seed(url: str) -> None:
    now = utcnow()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(Session),
                [
                    {"sid": f"old-{n}", "sess": {}, "expire": now - timedelta(minutes=n + 1)}
                    for n in range(3)
                ]
                + [{"sid": "live", "sess": {}, "expire": now + timedelta(days=1)}],
            )
            await conn.execute(
                sa.insert(LoginAttempt),
                [{"key": "user:ada", "attempted_at": now - timedelta(hours=1)}],
            )
    finally:
        await engine.dispose()


async def _sids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.scalars(sa.select(Session.sid))).all())
    finally:
        await engine.dispose()


def test_purge_deletes_expired_sessions_and_prints_how_many(env: str) -> None:
    asyncio.run(_seed(env))
    result = runner.invoke(app, ["sessions", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 3 expired sessions and 1 old sign-in failure." in result.output
    assert asyncio.run(_sids(env)) == ["live"]
    again = runner.invoke(app, ["sessions", "purge"])
    assert "Deleted 0 expired sessions and 0 old sign-in failures." in again.output
