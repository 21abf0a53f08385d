"""Responses: reading and deleting what models answered to the user's prompts."""

from __future__ import annotations

from promptpro.errors import Invalid, NotFound
from promptpro.schemas.pages import ResponsePage
from promptpro.schemas.responses import ResponseRead
from promptpro.services.prompts import DEFAULT_PAGE_SIZE, NO_SUCH_PROMPT, page_after, page_size
from promptpro.services.workspaces import require_for_response
from promptpro.storage import Storage

NO_SUCH_RESPONSE = "No such response."


class ResponseService:
    """The response-history rules for one acting user."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def list_responses(
        self,
        prompt_id: int,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
        rating: int | None = None,
    ) -> ResponsePage:
        """A page of the responses to one of the user's prompts, newest first (`rating`: only
        those rated 1 or -1)."""
        limit = page_size(limit)
        after = page_after(cursor)
        if rating not in (None, 1, -1):
            raise Invalid("Filter by rating 1 (thumbs up) or -1 (thumbs down).", field="rating")
        page = await self.storage.list_responses(
            self.owner_id, prompt_id, limit=limit, after=after, rating=rating
        )
        if page is None:
            raise NotFound(NO_SUCH_PROMPT)
        return ResponsePage(
            items=[ResponseRead.model_validate(row) for row in page.items],
            next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        )

    async def list_own_runs(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
        workspace_id: int | None = None,
    ) -> ResponsePage:
        """A page of the responses the user ran, newest first, across the workspaces they
        are in (or one of them); what `promptpro logs` shows by default."""
        limit = page_size(limit)
        after = page_after(cursor)
        page = await self.storage.list_own_runs(
            self.owner_id, limit=limit, after=after, workspace_id=workspace_id
        )
        return ResponsePage(
            items=[ResponseRead.model_validate(row) for row in page.items],
            next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        )

    async def get_response(self, response_id: int) -> ResponseRead:
        """One response to one of the user's prompts, or NotFound."""
        response = await self.storage.get_response(self.owner_id, response_id)
        if response is None:
            raise NotFound(NO_SUCH_RESPONSE)
        return ResponseRead.model_validate(response)

    async def delete_response(self, response_id: int) -> None:
        """Delete one response to one of the user's prompts."""
        await require_for_response(
            self.storage, self.owner_id, response_id, "prompt.run", missing=NO_SUCH_RESPONSE
        )
        if not await self.storage.delete_response(self.owner_id, response_id):
            raise NotFound(NO_SUCH_RESPONSE)
