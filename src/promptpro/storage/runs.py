"""Runs seen from the library: cancelling one, and failing those a dead worker left behind.

What a run itself reads and writes while someone waits is in `storage.run_records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa

from promptpro.db.models import Prompt, Response, ResponseStatus, WorkerHeartbeat
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of

INTERRUPTED = {
    "type": "/problems/interrupted",
    "title": "Run interrupted",
    "detail": "The server running it stopped before it finished.",
}


# The heartbeat's statements (every process, every few seconds): built once, on the
# tables, with the worker and the time as parameters.
HEARTBEATS = cast("sa.Table", WorkerHeartbeat.__table__)
RESPONSES = cast("sa.Table", Response.__table__)
_AT = sa.bindparam("at", type_=HEARTBEATS.c.beat_at.type)
_ALIVE_SINCE = sa.bindparam("alive_since", type_=HEARTBEATS.c.beat_at.type)
BEAT = sa.update(HEARTBEATS).where(HEARTBEATS.c.id == sa.bindparam("worker_id")).values(beat_at=_AT)
FIRST_BEAT = sa.insert(HEARTBEATS).values(id=sa.bindparam("worker_id"), beat_at=_AT)
FAIL_ORPHANED_RUNS = (
    sa.update(RESPONSES)
    .where(
        RESPONSES.c.status == ResponseStatus.RUNNING,
        RESPONSES.c.worker_id.is_not(None),
        RESPONSES.c.worker_id.not_in(
            sa.select(HEARTBEATS.c.id).where(HEARTBEATS.c.beat_at >= _ALIVE_SINCE)
        ),
    )
    .values(status=ResponseStatus.FAILED, error=INTERRUPTED)
)
FORGET_DEAD_WORKERS = sa.delete(HEARTBEATS).where(HEARTBEATS.c.beat_at < _ALIVE_SINCE)


def _owned(owner_id: str, limit: int | None) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(
        sa.select(Prompt.id).where(Prompt.workspace_id.in_(member_of(owner_id, limit)))
    )


class RunStorage(StorageBase):
    """Run records as the API and housekeeping change them: cancel, and clean up."""

    async def cancel_response(self, owner_id: str, response_id: int) -> Response | None:
        """Mark the owner's run as cancelled if it is still running; the response either way."""
        if not is_row_id(response_id):
            return None
        await self._execute(
            sa.update(Response)
            .where(
                Response.id == response_id,
                Response.status == ResponseStatus.RUNNING,
                _owned(owner_id, self.workspace_limit),
            )
            .values(status=ResponseStatus.CANCELLED)
        )
        query = (
            sa.select(Response)
            .where(Response.id == response_id, _owned(owner_id, self.workspace_limit))
            .execution_options(populate_existing=True)
        )
        return await self._scalar(query)

    async def fail_stale_runs(self, started_before: datetime) -> int:
        """Mark runs still `running` since before `started_before` as failed (a dead worker)."""
        result = await self._execute(
            sa.update(Response)
            .where(
                Response.status == ResponseStatus.RUNNING,
                Response.created_at < started_before,
            )
            .values(status=ResponseStatus.FAILED, error=INTERRUPTED)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def beat(self, worker_id: str, at: datetime) -> None:
        """Record that the worker process `worker_id` is alive at `at`."""
        params = {"worker_id": worker_id, "at": at}
        result = await self._execute(BEAT, params)
        if not result.rowcount:  # type: ignore[attr-defined]
            # Only this process writes its own row: no other insert can race this one.
            await self._execute(FIRST_BEAT, params)

    async def forget_worker(self, worker_id: str) -> None:
        """Remove the heartbeat of a worker process that stopped cleanly."""
        await self._execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.id == worker_id))

    async def fail_orphaned_runs(self, alive_since: datetime) -> int:
        """Fail the running runs of workers with no heartbeat since `alive_since`.

        Their partial text (written as they streamed) is kept. The dead workers' heartbeat
        rows go too: their runs are settled.
        """
        params = {"alive_since": alive_since}
        result = await self._execute(FAIL_ORPHANED_RUNS, params)
        await self._execute(FORGET_DEAD_WORKERS, params)
        return int(result.rowcount)  # type: ignore[attr-defined]
