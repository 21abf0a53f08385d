"""Compare groups: a compare run opened again, and its winner chosen."""

from __future__ import annotations

from promptpro.errors import Invalid, NotFound
from promptpro.schemas.responses import CompareGroupRead, ResponseRead
from promptpro.services.workspaces import require_for_prompt
from promptpro.storage import Storage

NO_SUCH_GROUP = "No such compare group."


class CompareGroupService:
    """One user's compare groups."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def get_group(self, group_id: int) -> CompareGroupRead:
        """The group with its responses (each with its own time, tokens and cost)."""
        found = await self.storage.get_compare_group(self.owner_id, group_id)
        if found is None:
            raise NotFound(NO_SUCH_GROUP)
        group, responses = found
        return CompareGroupRead(
            id=group.id,
            prompt_id=group.prompt_id,
            created_at=group.created_at,
            winner_response_id=group.winner_response_id,
            responses=[ResponseRead.model_validate(response) for response in responses],
        )

    async def set_winner(self, group_id: int, response_id: int) -> CompareGroupRead:
        """Mark one of the group's responses as the winner (another one is Invalid)."""
        found = await self.storage.get_compare_group(self.owner_id, group_id)
        if found is None:
            raise NotFound(NO_SUCH_GROUP)
        await require_for_prompt(
            self.storage, self.owner_id, found[0].prompt_id, "prompt.run", missing=NO_SUCH_GROUP
        )
        marked = await self.storage.set_compare_winner(self.owner_id, group_id, response_id)
        if marked is None:
            raise NotFound(NO_SUCH_GROUP)
        if not marked:
            raise Invalid("That response is not one of this compare group's.", field="responseId")
        return await self.get_group(group_id)
