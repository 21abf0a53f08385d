"""The workspace's API log (a prompt of its own) and the names the OpenAI-compatible
endpoint lists as `prompt:<name>` models."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import Prompt, PromptVersion
from promptpro.storage.base import StorageBase

# No name a user gives can start with "." (schemas/names.py): the log can't be taken,
# fetched by name, or listed as a `prompt:` model.
API_LOG_NAME = ".api-log"
API_LOG_TITLE = "API log"


class ApiLogStorage(StorageBase):
    """Reads and the one write the OpenAI-compatible endpoint needs."""

    async def api_log_prompt_id(self, workspace_id: int) -> int | None:
        """The id of the workspace's API log prompt, if it has one yet."""
        query = sa.select(Prompt.id).where(
            Prompt.workspace_id == workspace_id, Prompt.name == API_LOG_NAME
        )
        return await self._scalar(query)

    async def create_api_log_prompt(self, author_id: str, workspace_id: int) -> int:
        """Make the workspace's API log: an empty chat prompt (version 1) whose responses are
        the plain model calls. Conflict on `name` when a concurrent call made it first."""
        prompt = Prompt(
            user_id=author_id,
            workspace_id=workspace_id,
            title=API_LOG_TITLE,
            name=API_LOG_NAME,
            content="",
            type="chat",
            messages=[],
            run_count=0,
        )
        self.session.add(prompt)
        await self._flush()
        self.session.add(
            PromptVersion(
                prompt_id=prompt.id,
                version=1,
                title=API_LOG_TITLE,
                content="",
                type="chat",
                messages=[],
                message="Made by the first plain model call to /v1/chat/completions.",
            )
        )
        await self._flush()
        return prompt.id

    async def model_prompt_names(
        self, workspace_id: int, limit: int = 5_000
    ) -> list[tuple[str, datetime]]:
        """The named prompts of a workspace (the caller checked membership), by name, with
        when each was made; the API log left out."""
        query = (
            sa.select(Prompt.name, Prompt.created_at)
            .where(Prompt.workspace_id == workspace_id, Prompt.name != API_LOG_NAME)
            .where(Prompt.name != "")
            .order_by(Prompt.name)
            .limit(limit)
        )
        return [(name, made) for name, made in (await self._execute(query)).all()]
