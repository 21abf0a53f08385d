"""Ratings and notes: a user's thumbs up or down on a response, with a short note."""

from __future__ import annotations

from promptpro.errors import NotFound
from promptpro.schemas.feedback import RatingUpdate
from promptpro.schemas.responses import ResponseRead
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.workspaces import require_for_response
from promptpro.storage import Storage


class RatingService:
    """Rates the acting user's responses."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def rate(self, response_id: int, update: RatingUpdate) -> ResponseRead:
        """Rate a response (1 or -1, with an optional note), or clear its rating with 0."""
        await require_for_response(
            self.storage, self.owner_id, response_id, "prompt.run", missing=NO_SUCH_RESPONSE
        )
        rating = update.value or None
        # A note of blanks is no note; a cleared rating keeps no note.
        note = update.note.strip() if update.note and rating else None
        response = await self.storage.rate_response(
            self.owner_id, response_id, rating, note or None
        )
        if response is None:
            raise NotFound(NO_SUCH_RESPONSE)
        return ResponseRead.model_validate(response)
