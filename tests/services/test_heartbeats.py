"""Worker heartbeats: a run whose worker process died is failed within a minute, keeping
its partial text; a live worker's runs are left alone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from promptpro.config import Settings
from promptpro.db.models import Response, ResponseStatus, WorkerHeartbeat
from promptpro.db.session import SessionFactory
from promptpro.db.types import utcnow
from promptpro.schemas.library import PromptCreate
from promptpro.schemas.users import UserCreate
from promptpro.services.housekeeping import beat, new_worker_id
from promptpro.storage import Storage


async def test_a_run_whose_worker_stopped_beating_is_failed_with_its_partial_text(
    session_factory: SessionFactory, settings: Settings
) -> None:
    settings = settings.model_copy(update={"worker_dead_after_seconds": 30})
    now = utcnow()
    async with session_factory.begin() as session:
        storage = Storage(session)
        user = await storage.create_user(UserCreate(username="ada"))
        prompt = await storage.create_prompt(user.id, PromptCreate(title="T", content="C"))
        session.add_all(
            [
                WorkerHeartbeat(id="killed", beat_at=now - timedelta(seconds=45)),
                WorkerHeartbeat(id="alive", beat_at=now - timedelta(seconds=5)),
            ]
        )

        def run(worker_id: str | None, content: str) -> Response:
            return Response(
                prompt_id=prompt.id,
                content=content,
                model="openai/x",
                status=ResponseStatus.RUNNING,
                worker_id=worker_id,
                created_at=now - timedelta(seconds=50),  # far younger than any run timeout
            )

        orphan, live, unknown = run("killed", "Half a hai"), run("alive", "Tea"), run(None, "")
        session.add_all([orphan, live, unknown])
    ids = orphan.id, live.id, unknown.id

    assert await beat(session_factory, settings, "housekeeper") == 1

    async with session_factory() as session:
        rows = {
            row.id: row
            for row in await session.scalars(sa.select(Response).where(Response.id.in_(ids)))
        }
        workers = set(await session.scalars(sa.select(WorkerHeartbeat.id)))
    failed = rows[ids[0]]
    assert failed.status == ResponseStatus.FAILED
    assert failed.content == "Half a hai"  # what it had streamed is kept
    assert failed.error is not None and failed.error["type"] == "/problems/interrupted"
    assert rows[ids[1]].status == ResponseStatus.RUNNING
    assert rows[ids[2]].status == ResponseStatus.RUNNING  # no worker named: the age rule's
    assert workers == {"alive", "housekeeper"}  # the dead worker's beat is gone with its runs


async def test_a_worker_keeps_its_heartbeat_fresh(
    session_factory: SessionFactory, settings: Settings
) -> None:
    worker_id = new_worker_id()
    assert len(worker_id) <= 64
    await beat(session_factory, settings, worker_id)
    async with session_factory() as session:
        first = await session.scalar(
            sa.select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.id == worker_id)
        )
    await beat(session_factory, settings, worker_id)
    async with session_factory() as session:
        second = await session.scalar(
            sa.select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.id == worker_id)
        )
    assert first is not None and second is not None and second >= first
