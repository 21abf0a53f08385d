"""Following an evaluation's progress: a snapshot, then each cell as it finishes, then the end.

Wherever its cells run (this process or workers), the stream reads the database every
`poll` seconds in a short unit of work of its own: the cells are the one truth, so a
follower that leaves and comes back gets a fresh snapshot and misses nothing. Cells are
found by `finished_at` with a margin (workers' clocks differ slightly) and sent once each
(a retried cell finishes again, with a new time, and is sent again).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from promptpro.db.models import EvaluationStatus
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.schemas.evaluations import CellRead
from promptpro.services.evaluations import EvaluationService
from promptpro.services.run_follow import KEEPALIVE_S, FollowEvent
from promptpro.storage import Storage

CLOCK_MARGIN = timedelta(seconds=30)
PAGE = 500
OPEN = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)


async def follow(
    factory: SessionFactory, actor_id: str, evaluation_id: int, *, poll: float
) -> AsyncIterator[FollowEvent]:
    """The events of one evaluation, to its end (NotFound before the first if not visible)."""
    async with unit_of_work(factory) as session:
        service = EvaluationService(Storage(session), actor_id)
        snapshot = await service.get(evaluation_id)
        cells = await service.storage.all_cells(evaluation_id)
    sent: set[tuple[int, datetime | None]] = {
        (c.id, c.finished_at) for c in cells if c.finished_at is not None
    }
    since: datetime | None = max((at for _, at in sent if at is not None), default=None)
    yield FollowEvent("snapshot", snapshot.model_dump(mode="json", by_alias=True))
    status = snapshot.status
    quiet = 0.0
    while True:
        if status not in OPEN:
            async with unit_of_work(factory) as session:
                final = await EvaluationService(Storage(session), actor_id).get(evaluation_id)
            yield FollowEvent("done", final.model_dump(mode="json", by_alias=True))
            return
        await asyncio.sleep(poll)
        quiet += poll
        async with unit_of_work(factory) as session:
            storage = Storage(session)
            evaluation = await storage.evaluation_by_id(evaluation_id)
            if evaluation is None:
                yield FollowEvent("error", {"title": "Not found", "detail": "It was deleted."})
                return
            status = evaluation.status
            after = (since - CLOCK_MARGIN, 0) if since is not None else None
            found = []
            while True:
                page = await storage.finished_cells(evaluation_id, after, PAGE)
                found += page
                if len(page) < PAGE:
                    break
                last = page[-1]
                assert last.finished_at is not None
                after = (last.finished_at, last.id)
        for cell in found:
            key = (cell.id, cell.finished_at)
            if key in sent:
                continue
            sent.add(key)
            if cell.finished_at is not None and (since is None or cell.finished_at > since):
                since = cell.finished_at
            quiet = 0.0
            yield FollowEvent(
                "cell", CellRead.model_validate(cell).model_dump(mode="json", by_alias=True)
            )
        if quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield FollowEvent("keepalive", {})
