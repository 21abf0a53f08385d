"""Editor drafts: what a user typed in a prompt's editor, kept on the server until saved."""

from __future__ import annotations

import json
from typing import Any

from promptpro.db.models import PromptDraft
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.drafts import DraftRead, DraftWrite
from promptpro.services.prompts import NO_SUCH_PROMPT
from promptpro.services.workspaces import require_for_prompt
from promptpro.storage import Storage

NO_DRAFT = "There is no draft of this prompt."


def draft_read(draft: PromptDraft) -> DraftRead:
    """A stored draft as the API shows it (a field the editor no longer has is dropped)."""
    data: dict[str, Any] = dict(draft.data)
    based_on = data.pop("based_on_version", None)
    fields = DraftWrite.model_validate(data)
    return DraftRead(
        title=fields.title,
        content=fields.content,
        category_id=fields.category_id,
        model=fields.model,
        model_other=fields.model_other,
        parameters=fields.parameters,
        updated_at=draft.updated_at,
        based_on_version=based_on,
    )


class DraftService:
    """The acting user's drafts of their prompts, each at most `max_bytes` of JSON."""

    def __init__(self, storage: Storage, owner_id: str, max_bytes: int) -> None:
        self.storage = storage
        self.owner_id = owner_id
        self.max_bytes = max_bytes

    async def get(self, prompt_id: int) -> DraftRead | None:
        """The user's draft of their prompt (None: none); NotFound if the prompt isn't theirs."""
        if await self.storage.get_prompt(self.owner_id, prompt_id) is None:
            raise NotFound(NO_SUCH_PROMPT)
        draft = await self.storage.get_draft(self.owner_id, prompt_id)
        return draft_read(draft) if draft else None

    async def put(self, prompt_id: int, data: DraftWrite) -> DraftRead:
        """Keep the editor's state as the user's draft of the prompt, replacing the last one."""
        await require_for_prompt(
            self.storage, self.owner_id, prompt_id, "library.write", missing=NO_SUCH_PROMPT
        )
        stored = data.model_dump()
        size = len(json.dumps(stored, ensure_ascii=False).encode())
        if size > self.max_bytes:
            raise Invalid(
                f"A draft holds at most {self.max_bytes} bytes; this one has {size}.",
                field="content",
            )
        version = await self.storage.get_latest_version(self.owner_id, prompt_id)
        stored["based_on_version"] = version.version if version else None
        draft = await self.storage.put_draft(self.owner_id, prompt_id, stored)
        if draft is None:
            raise NotFound(NO_SUCH_PROMPT)
        return draft_read(draft)

    async def delete(self, prompt_id: int) -> None:
        """Drop the user's draft of the prompt (there being none is fine)."""
        if await self.storage.get_prompt(self.owner_id, prompt_id) is None:
            raise NotFound(NO_SUCH_PROMPT)
        await self.storage.delete_draft(self.owner_id, prompt_id)
