"""What a prompt run reads and writes: its context in one query, and its record's life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promptpro.db.models import ApiKeys, Prompt, PromptVersion, Response, ResponseStatus
from promptpro.storage.base import StorageBase, is_row_id


@dataclass(frozen=True)
class RunContext:
    """Everything a run needs from the database: the prompt, its version, the user's keys."""

    prompt: Prompt
    version_id: int | None
    keys: ApiKeys | None


def _owned(owner_id: str) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(sa.select(Prompt.id).where(Prompt.user_id == owner_id))


class RunStorage(StorageBase):
    """Run records: start, finish (unless cancelled meanwhile), cancel, and clean-up."""

    async def get_run_context(self, owner_id: str, prompt_id: int) -> RunContext | None:
        """The owner's prompt with its current version id and keys row, in one round trip."""
        if not is_row_id(prompt_id):
            return None
        latest_version = (
            sa.select(PromptVersion.id)
            .where(PromptVersion.prompt_id == Prompt.id)
            .order_by(PromptVersion.version.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(Prompt, latest_version, ApiKeys)
            .outerjoin(ApiKeys, ApiKeys.user_id == Prompt.user_id)
            .where(Prompt.id == prompt_id, Prompt.user_id == owner_id)
        )
        row = (await self._execute(query)).first()
        if row is None:
            return None
        prompt, version_id, keys = row
        return RunContext(prompt, version_id, keys)

    async def finish_response(
        self, owner_id: str, response_id: int, values: dict[str, Any]
    ) -> bool:
        """Store how a run ended, unless it was cancelled meanwhile (then False)."""
        result = await self._execute(
            sa.update(Response)
            .where(
                Response.id == response_id,
                Response.status == ResponseStatus.RUNNING,
                _owned(owner_id),
            )
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def keep_cancelled_text(
        self, owner_id: str, response_id: int, values: dict[str, Any]
    ) -> None:
        """Store the partial text and timing of a run that was cancelled."""
        await self._execute(
            sa.update(Response)
            .where(
                Response.id == response_id,
                Response.status == ResponseStatus.CANCELLED,
                _owned(owner_id),
            )
            .values(**values)
        )

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

    async def response_status(self, owner_id: str, response_id: int) -> str | None:
        """The status of the owner's response (a run checks it to see a cancel)."""
        query = sa.select(Response.status).where(Response.id == response_id, _owned(owner_id))
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
