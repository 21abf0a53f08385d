"""What the everyday loop reads and writes on responses: ratings, the last run, a run's version."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import Prompt, PromptVersion, Response
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of


def _owned(owner_id: str, limit: int | None) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(
        sa.select(Prompt.id).where(Prompt.workspace_id.in_(member_of(owner_id, limit)))
    )


class FeedbackStorage(StorageBase):
    """Ratings and notes, the latest run of a prompt, and the version a response ran."""

    async def rate_response(
        self, owner_id: str, response_id: int, rating: int | None, note: str | None
    ) -> Response | None:
        """Set (or clear, with None) the owner's rating and note on a response."""
        if not is_row_id(response_id):
            return None
        query = sa.select(Response).where(
            Response.id == response_id, _owned(owner_id, self.workspace_limit)
        )
        response = await self._scalar(query)
        if response is None:
            return None
        response.rating = rating
        response.rating_note = note
        await self._flush()
        return response

    async def latest_response(self, owner_id: str, prompt_id: int) -> Response | None:
        """The newest response to the owner's prompt (None: it never ran, or isn't theirs)."""
        if not is_row_id(prompt_id):
            return None
        query = (
            sa.select(Response)
            .where(Response.prompt_id == prompt_id, _owned(owner_id, self.workspace_limit))
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(1)
        )
        return await self._scalar(query)

    async def response_version(self, owner_id: str, response_id: int) -> PromptVersion | None:
        """The saved version of the prompt that produced the owner's response, if known."""
        if not is_row_id(response_id):
            return None
        query = (
            sa.select(PromptVersion)
            .join(Response, Response.prompt_version_id == PromptVersion.id)
            .where(Response.id == response_id, _owned(owner_id, self.workspace_limit))
        )
        return await self._scalar(query)
