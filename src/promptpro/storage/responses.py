"""Responses: the seed's response operations, scoped through the prompt's owner."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import Prompt, PromptVersion, Response
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.responses import ResponseCreate, ResponseUpdate
from promptpro.storage.base import StorageBase, check_limit, is_row_id
from promptpro.storage.pagination import Keyset, Page
from promptpro.storage.workspaces import member_of


def _owned(owner_id: str, limit: int | None) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(
        sa.select(Prompt.id).where(Prompt.workspace_id.in_(member_of(owner_id, limit)))
    )


class ResponseStorage(StorageBase):
    """getResponse, getResponsesByPromptId, createResponse, and a run's ending."""

    async def get_response(self, owner_id: str, response_id: int) -> Response | None:
        """The response with this id, if its prompt is the owner's."""
        if not is_row_id(response_id):
            return None
        query = sa.select(Response).where(
            Response.id == response_id, _owned(owner_id, self.workspace_limit)
        )
        return await self._scalar(query)

    async def list_responses(
        self,
        owner_id: str,
        prompt_id: int,
        *,
        limit: int = 50,
        after: Keyset | None = None,
        rating: int | None = None,
    ) -> Page[Response] | None:
        """A page of the prompt's responses, newest first (None when the prompt isn't theirs).

        `rating` keeps only the responses rated so (1 or -1).
        """
        check_limit(limit)
        prompt_query = sa.select(Prompt.id).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        if not is_row_id(prompt_id) or await self._scalar(prompt_query) is None:
            return None
        query = sa.select(Response).where(Response.prompt_id == prompt_id)
        if rating is not None:
            query = query.where(Response.rating == rating)
        return await self._newest_first(query, limit, after)

    async def list_own_runs(
        self,
        owner_id: str,
        *,
        limit: int = 50,
        after: Keyset | None = None,
        workspace_id: int | None = None,
    ) -> Page[Response]:
        """A page of the responses the owner ran, newest first, to prompts of the workspaces
        they are (still) in — or of `workspace_id` alone.

        `ix_responses_run_by_id_created_at` serves the order: the page reads its rows, not
        every response of every prompt the owner can see.
        """
        check_limit(limit)
        if workspace_id is not None and not is_row_id(workspace_id):
            return Page([], None)
        query = sa.select(Response).where(
            Response.run_by_id == owner_id, _owned(owner_id, self.workspace_limit)
        )
        if workspace_id is not None:
            query = query.where(
                Response.prompt_id.in_(
                    sa.select(Prompt.id).where(Prompt.workspace_id == workspace_id)
                )
            )
        return await self._newest_first(query, limit, after)

    async def _newest_first(
        self, query: sa.Select[Response], limit: int, after: Keyset | None
    ) -> Page[Response]:
        """A page of the responses `query` selects, newest first, after the cursor."""
        if after is not None:
            query = query.where(
                sa.or_(
                    Response.created_at < after.at,
                    sa.and_(Response.created_at == after.at, Response.id < after.id),
                )
            )
        query = query.order_by(Response.created_at.desc(), Response.id.desc()).limit(limit + 1)
        rows = list(await self._scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Keyset(rows[-1].created_at, rows[-1].id) if more else None
        return Page(rows, next_cursor)

    async def create_response(
        self,
        owner_id: str,
        prompt_id: int,
        data: ResponseCreate,
        *,
        created_at: datetime | None = None,
    ) -> Response:
        """Store a response to the owner's prompt (`created_at`: when its run started)."""
        prompt_query = sa.select(Prompt.id).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        if not is_row_id(prompt_id) or await self._scalar(prompt_query) is None:
            raise NotFound("No such prompt.")
        if data.prompt_version_id is not None:
            version_query = sa.select(PromptVersion.id).where(
                PromptVersion.id == data.prompt_version_id,
                PromptVersion.prompt_id == prompt_id,
            )
            if not is_row_id(data.prompt_version_id) or await self._scalar(version_query) is None:
                raise Invalid("No such version of this prompt.", field="promptVersionId")
        values = data.model_dump(exclude={"parameters"})
        values["parameters"] = (
            data.parameters.model_dump(exclude_none=True) if data.parameters else None
        )
        response = Response(prompt_id=prompt_id, run_by_id=owner_id, **values)
        if created_at is not None:
            response.created_at = created_at
        self.session.add(response)
        await self._flush()
        return response

    async def update_response(
        self, owner_id: str, response_id: int, changes: ResponseUpdate
    ) -> Response | None:
        """Record how a run went on (its text, status, usage, timing)."""
        response = await self.get_response(owner_id, response_id)
        if response is None:
            return None
        for field, value in changes.model_dump(exclude_unset=True).items():
            setattr(response, field, value)
        await self._flush()
        return response

    async def delete_response(self, owner_id: str, response_id: int) -> bool:
        """Delete the response, if its prompt is the owner's."""
        if not is_row_id(response_id):
            return False
        result = await self._execute(
            sa.delete(Response).where(
                Response.id == response_id, _owned(owner_id, self.workspace_limit)
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
