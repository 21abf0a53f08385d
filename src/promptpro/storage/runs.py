"""Runs seen from the library: cancelling one, and failing those a dead worker left behind.

What a run itself reads and writes while someone waits is in `storage.run_records`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import Prompt, Response, ResponseStatus
from promptpro.storage.base import StorageBase, is_row_id


def _owned(owner_id: str) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(sa.select(Prompt.id).where(Prompt.user_id == owner_id))


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
                _owned(owner_id),
            )
            .values(status=ResponseStatus.CANCELLED)
        )
        query = (
            sa.select(Response)
            .where(Response.id == response_id, _owned(owner_id))
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
            .values(
                status=ResponseStatus.FAILED,
                error={
                    "type": "/problems/interrupted",
                    "title": "Run interrupted",
                    "detail": "The server running it stopped before it finished.",
                },
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
