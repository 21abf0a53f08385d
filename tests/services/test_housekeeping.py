"""Housekeeping: runs lost with a dead worker process are marked failed, live ones kept."""

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from promptpro.config import Settings
from promptpro.db.models import LoginAttempt, ResponseStatus
from promptpro.db.session import SessionFactory
from promptpro.db.types import utcnow
from promptpro.schemas.library import PromptCreate
from promptpro.schemas.responses import ResponseCreate
from promptpro.schemas.users import UserCreate
from promptpro.services.housekeeping import fail_stale_runs, tidy_periodically
from promptpro.storage import Storage


async def test_only_runs_older_than_any_run_can_last_are_marked_failed(
    storage: Storage, settings: Settings
) -> None:
    user = await storage.create_user(UserCreate(username="ada"))
    prompt = await storage.create_prompt(user.id, PromptCreate(title="T", content="C"))
    running = ResponseCreate(model="openai/x", status=ResponseStatus.RUNNING)
    longest = timedelta(seconds=settings.first_token_timeout + settings.run_timeout)
    lost = await storage.create_response(
        user.id, prompt.id, running, created_at=utcnow() - longest - timedelta(minutes=5)
    )
    live = await storage.create_response(user.id, prompt.id, running, created_at=utcnow())
    owner, lost_id, live_id = user.id, lost.id, live.id
    assert await fail_stale_runs(storage, settings) == 1
    storage.session.expire_all()
    lost_now = await storage.get_response(owner, lost_id)
    live_now = await storage.get_response(owner, live_id)
    assert lost_now is not None and live_now is not None
    assert lost_now.status == ResponseStatus.FAILED
    assert lost_now.error is not None and lost_now.error["type"] == "/problems/interrupted"
    assert live_now.status == ResponseStatus.RUNNING


async def test_housekeeping_stopped_in_the_middle_of_a_round_finishes_it(
    session_factory: SessionFactory, settings: Settings
) -> None:
    async with session_factory.begin() as session:
        session.add(LoginAttempt(key="user:ada", attempted_at=utcnow() - timedelta(days=30)))
    stop = asyncio.Event()
    task = asyncio.create_task(tidy_periodically(session_factory, settings, stop))
    await asyncio.sleep(0)  # the round has begun: it waits for the database
    stop.set()  # the server stops

    await asyncio.wait_for(task, timeout=5)

    async with session_factory() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 0


async def test_housekeeping_rounds_go_on_until_stopped(
    session_factory: SessionFactory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds = 0

    async def counted(*_: object) -> None:
        nonlocal rounds
        rounds += 1

    monkeypatch.setattr("promptpro.services.housekeeping.tidy", counted)
    fast = settings.model_copy(update={"session_purge_minutes": 0.001})  # 60 ms
    stop = asyncio.Event()
    task = asyncio.create_task(tidy_periodically(session_factory, fast, stop))
    for _ in range(500):  # up to 5 s
        if rounds >= 3:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=1)
    assert rounds >= 3
