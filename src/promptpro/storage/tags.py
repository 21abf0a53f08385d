"""Tags on prompts and each user's favourite prompts, scoped to the prompts' owner."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from promptpro.db.models import Favourite, Prompt, PromptTag
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of


class TagStorage(StorageBase):
    """A prompt's tags and favourite mark: read for a page at once, written per prompt."""

    async def set_tags(self, prompt_id: int, tags: Sequence[str]) -> None:
        """Make the prompt's tags exactly `tags` (normalised already; the prompt is checked)."""
        wanted = set(tags)
        current = set(
            await self._scalars(sa.select(PromptTag.tag).where(PromptTag.prompt_id == prompt_id))
        )
        if current - wanted:
            await self._execute(
                sa.delete(PromptTag).where(
                    PromptTag.prompt_id == prompt_id, PromptTag.tag.in_(current - wanted)
                )
            )
        self.session.add_all(
            PromptTag(prompt_id=prompt_id, tag=tag) for tag in sorted(wanted - current)
        )
        await self._flush()

    async def tags_of(self, prompt_ids: Sequence[int]) -> dict[int, list[str]]:
        """The tags of each prompt (already known to be the owner's), sorted."""
        if not prompt_ids:
            return {}
        query = (
            sa.select(PromptTag.prompt_id, PromptTag.tag)
            .where(PromptTag.prompt_id.in_(prompt_ids))
            .order_by(PromptTag.prompt_id, PromptTag.tag)
        )
        found: dict[int, list[str]] = defaultdict(list)
        for prompt_id, tag in (await self._execute(query)).all():
            found[prompt_id].append(tag)
        return found

    async def favourites_among(self, owner_id: str, prompt_ids: Sequence[int]) -> set[int]:
        """Which of these prompts the owner starred."""
        if not prompt_ids:
            return set()
        query = sa.select(Favourite.prompt_id).where(
            Favourite.user_id == owner_id, Favourite.prompt_id.in_(prompt_ids)
        )
        return set(await self._scalars(query))

    async def set_favourite(self, owner_id: str, prompt_id: int, favourite: bool) -> bool:
        """Star or unstar one of the owner's prompts (False: no such prompt of theirs)."""
        if not is_row_id(prompt_id):
            return False
        owned = sa.select(Prompt.id).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        if await self._scalar(owned) is None:
            return False
        mark = sa.select(Favourite).where(
            Favourite.user_id == owner_id, Favourite.prompt_id == prompt_id
        )
        existing = await self._scalar(mark)
        if favourite and existing is None:
            self.session.add(Favourite(user_id=owner_id, prompt_id=prompt_id))
        elif not favourite and existing is not None:
            await self.session.delete(existing)
        await self._flush()
        return True
