"""Compare groups: one compare run kept as a whole, scoped to its owner."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import CompareGroup, Prompt, Response
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of


class CompareGroupStorage(StorageBase):
    """Open a compare group, read it with its responses, and mark its winner."""

    async def create_compare_group(self, owner_id: str, prompt_id: int) -> CompareGroup | None:
        """A new, empty group for one of the owner's prompts (None: no such prompt of theirs)."""
        if not is_row_id(prompt_id):
            return None
        owned = sa.select(Prompt.id).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        if await self._scalar(owned) is None:
            return None
        group = CompareGroup(user_id=owner_id, prompt_id=prompt_id)
        self.session.add(group)
        await self._flush()
        return group

    async def get_compare_group(
        self, owner_id: str, group_id: int
    ) -> tuple[CompareGroup, list[Response]] | None:
        """The owner's group and its responses in the order they were started."""
        if not is_row_id(group_id):
            return None
        query = sa.select(CompareGroup).where(
            CompareGroup.id == group_id, CompareGroup.user_id == owner_id
        )
        group = await self._scalar(query)
        if group is None:
            return None
        responses = await self._scalars(
            sa.select(Response).where(Response.compare_group_id == group_id).order_by(Response.id)
        )
        return group, list(responses)

    async def set_compare_winner(
        self, owner_id: str, group_id: int, response_id: int
    ) -> bool | None:
        """Mark a response of the owner's group as its winner.

        None: no such group of theirs; False: the response is not one of the group's.
        """
        found = await self.get_compare_group(owner_id, group_id)
        if found is None:
            return None
        group, responses = found
        if response_id not in {response.id for response in responses}:
            return False
        group.winner_response_id = response_id
        await self._flush()
        return True
