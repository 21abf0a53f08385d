"""Editor drafts: one per user and prompt, replaced as the user types."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from promptpro.db.models import Prompt, PromptDraft
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of


class DraftStorage(StorageBase):
    """Read, write and drop a user's draft of one of their prompts."""

    async def _owns_prompt(self, owner_id: str, prompt_id: int) -> bool:
        if not is_row_id(prompt_id):
            return False
        query = sa.select(Prompt.id).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        return await self._scalar(query) is not None

    async def get_draft(self, owner_id: str, prompt_id: int) -> PromptDraft | None:
        """The owner's draft of their prompt, if there is one."""
        if not is_row_id(prompt_id):
            return None
        return await self._get(PromptDraft, (owner_id, prompt_id))

    async def put_draft(
        self, owner_id: str, prompt_id: int, data: dict[str, Any]
    ) -> PromptDraft | None:
        """Store the owner's draft of their prompt, replacing any (None: not their prompt)."""
        if not await self._owns_prompt(owner_id, prompt_id):
            return None
        draft = await self._get(PromptDraft, (owner_id, prompt_id))
        if draft is None:
            draft = PromptDraft(user_id=owner_id, prompt_id=prompt_id, data=data)
            self.session.add(draft)
        else:
            draft.data = data
        await self._flush()
        await self.session.refresh(draft, ["updated_at"])
        return draft

    async def delete_draft(self, owner_id: str, prompt_id: int) -> bool:
        """Drop the owner's draft of a prompt (False: there was none)."""
        if not is_row_id(prompt_id):
            return False
        result = await self._execute(
            sa.delete(PromptDraft).where(
                PromptDraft.user_id == owner_id, PromptDraft.prompt_id == prompt_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
