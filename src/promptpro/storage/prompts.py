"""Prompts and their versions: the seed's prompt operations, scoped to their owner."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from promptpro.db.models import Category, Prompt, PromptVersion
from promptpro.errors import Invalid
from promptpro.schemas.library import PromptCreate, PromptUpdate
from promptpro.storage.base import StorageBase, check_limit, is_row_id
from promptpro.storage.pagination import Keyset, Page

VERSIONED_FIELDS = ("title", "content", "model", "parameters")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _values(data: PromptCreate | PromptUpdate, *, partial: bool) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=partial, exclude={"parameters"})
    if "parameters" in data.model_fields_set or not partial:
        parameters = data.parameters
        values["parameters"] = parameters.model_dump(exclude_none=True) if parameters else None
    return values


class PromptStorage(StorageBase):
    """getPrompt, list, createPrompt, updatePrompt, deletePrompt and the version history."""

    async def get_prompt(self, owner_id: str, prompt_id: int) -> Prompt | None:
        """The owner's prompt with this id."""
        if not is_row_id(prompt_id):
            return None
        query = sa.select(Prompt).where(Prompt.id == prompt_id, Prompt.user_id == owner_id)
        return await self._scalar(query)

    async def list_prompts(
        self,
        owner_id: str,
        *,
        category_id: int | None = None,
        q: str | None = None,
        limit: int = 50,
        after: Keyset | None = None,
    ) -> Page[Prompt]:
        """A page of the owner's prompts, newest-updated first, optionally filtered."""
        check_limit(limit)
        query = sa.select(Prompt).where(Prompt.user_id == owner_id)
        if category_id is not None:
            if not is_row_id(category_id):
                return Page([], None)
            query = query.where(Prompt.category_id == category_id)
        if q:
            pattern = _like_pattern(q)
            query = query.where(
                sa.or_(
                    Prompt.title.ilike(pattern, escape="\\"),
                    Prompt.content.ilike(pattern, escape="\\"),
                )
            )
        if after is not None:
            query = query.where(
                sa.or_(
                    Prompt.updated_at < after.at,
                    sa.and_(Prompt.updated_at == after.at, Prompt.id < after.id),
                )
            )
        query = query.order_by(Prompt.updated_at.desc(), Prompt.id.desc()).limit(limit + 1)
        rows = list(await self._scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = Keyset(rows[-1].updated_at, rows[-1].id) if more else None
        return Page(rows, next_cursor)

    async def _check_category(self, owner_id: str, category_id: int | None) -> None:
        if category_id is None:
            return
        query = sa.select(Category.id).where(
            Category.id == category_id, Category.user_id == owner_id
        )
        if not is_row_id(category_id) or await self._scalar(query) is None:
            raise Invalid("No such category.", field="categoryId")

    async def _add_version(self, prompt: Prompt, number: int) -> None:
        self.session.add(
            PromptVersion(
                prompt_id=prompt.id,
                version=number,
                **{field: getattr(prompt, field) for field in VERSIONED_FIELDS},
            )
        )

    async def create_prompt(self, owner_id: str, data: PromptCreate) -> Prompt:
        """A new prompt for the owner, saved as version 1."""
        await self._check_category(owner_id, data.category_id)
        prompt = Prompt(user_id=owner_id, **_values(data, partial=False))
        self.session.add(prompt)
        await self._flush()
        await self._add_version(prompt, 1)
        await self._flush()
        return prompt

    async def update_prompt(
        self, owner_id: str, prompt_id: int, changes: PromptUpdate
    ) -> Prompt | None:
        """Apply `changes`; a change of a versioned field saves a new version."""
        prompt = await self.get_prompt(owner_id, prompt_id)
        if prompt is None:
            return None
        values = _values(changes, partial=True)
        if "category_id" in values:
            await self._check_category(owner_id, values["category_id"])
        versioned_change = any(
            field in values and values[field] != getattr(prompt, field)
            for field in VERSIONED_FIELDS
        )
        for field, value in values.items():
            setattr(prompt, field, value)
        await self._flush()
        if versioned_change:
            latest = await self._scalar(
                sa.select(sa.func.max(PromptVersion.version)).where(
                    PromptVersion.prompt_id == prompt.id
                )
            )
            await self._add_version(prompt, (latest or 0) + 1)
            await self._flush()
        return prompt

    async def delete_prompt(self, owner_id: str, prompt_id: int) -> bool:
        """Delete the owner's prompt with its versions and responses."""
        if not is_row_id(prompt_id):
            return False
        result = await self._execute(
            sa.delete(Prompt).where(Prompt.id == prompt_id, Prompt.user_id == owner_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_prompt_versions(
        self, owner_id: str, prompt_id: int
    ) -> list[PromptVersion] | None:
        """The prompt's versions, newest first (None when the prompt is not the owner's)."""
        if await self.get_prompt(owner_id, prompt_id) is None:
            return None
        query = (
            sa.select(PromptVersion)
            .where(PromptVersion.prompt_id == prompt_id)
            .order_by(PromptVersion.version.desc())
        )
        return list(await self._scalars(query))

    async def get_latest_version(self, owner_id: str, prompt_id: int) -> PromptVersion | None:
        """The prompt's current version."""
        query = (
            sa.select(PromptVersion)
            .join(Prompt, Prompt.id == PromptVersion.prompt_id)
            .where(PromptVersion.prompt_id == prompt_id, Prompt.user_id == owner_id)
            .order_by(PromptVersion.version.desc())
            .limit(1)
        )
        return await self._scalar(query) if is_row_id(prompt_id) else None
