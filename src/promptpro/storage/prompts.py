"""Prompts and their versions: the seed's prompt operations, scoped to their owner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import sqlalchemy as sa

from promptpro.db.models import Category, Favourite, Prompt, PromptTag, PromptVersion
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.library import PromptCreate, PromptUpdate
from promptpro.schemas.names import numbered, slug
from promptpro.storage.base import check_limit, is_row_id
from promptpro.storage.pagination import Keyset, Page, ValueKeyset
from promptpro.storage.tags import TagStorage
from promptpro.storage.workspaces import WorkspaceStorage, member_of

VERSIONED_FIELDS = (
    "title",
    "content",
    "model",
    "parameters",
    "type",
    "messages",
    "output_schema",
    "tools",
)
NAME_TAKEN = "This workspace already has a prompt with that name."
PromptSort = Literal["updated", "created", "title", "runs"]


def _sort_key(
    sort: PromptSort,
) -> tuple[sa.ColumnElement[Any] | sa.orm.InstrumentedAttribute[Any], bool]:
    """The column a sort orders by (each has an index led by user_id), and whether ascending."""
    if sort == "created":
        return Prompt.created_at, False
    if sort == "title":
        return sa.func.lower(Prompt.title), True
    if sort == "runs":
        return Prompt.run_count, False
    return Prompt.updated_at, False


def _cursor_after(sort_value: Any, prompt_id: int, sort: PromptSort) -> Keyset | ValueKeyset:
    """The cursor that continues after this row (its sort key as the database computed it)."""
    if sort in ("updated", "created"):
        return Keyset(sort_value, prompt_id)
    return ValueKeyset(sort_value, prompt_id)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_pattern(text: str) -> str:
    return f"%{_like_prefix(text)}%"


def _values(data: PromptCreate | PromptUpdate, *, partial: bool) -> dict[str, Any]:
    values = data.model_dump(
        exclude_unset=partial, exclude={"parameters", "tags", "workspace_id", "message", "name"}
    )
    if data.name is not None:
        values["name"] = data.name
    if "parameters" in data.model_fields_set or not partial:
        parameters = data.parameters
        values["parameters"] = parameters.model_dump(exclude_none=True) if parameters else None
    return values


class PromptStorage(TagStorage, WorkspaceStorage):
    """getPrompt, list, createPrompt, updatePrompt, deletePrompt and the version history."""

    async def get_prompt(self, owner_id: str, prompt_id: int) -> Prompt | None:
        """The owner's prompt with this id."""
        if not is_row_id(prompt_id):
            return None
        query = sa.select(Prompt).where(
            Prompt.id == prompt_id,
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        return await self._scalar(query)

    async def list_prompts(
        self,
        owner_id: str,
        *,
        workspace_id: int | None = None,
        category_id: int | None = None,
        q: str | None = None,
        tags: Sequence[str] = (),
        favourite: bool | None = None,
        sort: PromptSort = "updated",
        limit: int = 50,
        after: Keyset | ValueKeyset | None = None,
    ) -> Page[Prompt]:
        """A page of the prompts of the user's workspaces (or of one: `workspace_id`) in
        `sort` order, filtered; keyset-paged, never counted.

        `tags` must all be on a prompt (AND); `favourite` keeps the starred (or unstarred) ones.
        """
        check_limit(limit)
        key, ascending = _sort_key(sort)
        # The sort key comes back with each row: a cursor must hold the database's lower(),
        # which is not Python's (SQLite's folds ASCII only).
        query = sa.select(Prompt, key.label("sort_key")).where(
            Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit))
        )
        if workspace_id is not None:
            query = query.where(Prompt.workspace_id == workspace_id)
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
        for tag in tags:
            query = query.where(
                sa.exists().where(PromptTag.prompt_id == Prompt.id, PromptTag.tag == tag)
            )
        if favourite is not None:
            starred = sa.exists().where(
                Favourite.prompt_id == Prompt.id, Favourite.user_id == owner_id
            )
            query = query.where(starred if favourite else ~starred)
        if after is not None:
            value = after.at if isinstance(after, Keyset) else after.value
            # A row-value comparison: the index seeks straight to the cursor (an OR of two
            # comparisons would make PostgreSQL walk every row before it, as OFFSET does).
            row = sa.tuple_(key, Prompt.id)
            bound = sa.tuple_(sa.literal(value, key.type), sa.literal(after.id, sa.Integer()))
            query = query.where(row > bound if ascending else row < bound)
        order = (key.asc(), Prompt.id.asc()) if ascending else (key.desc(), Prompt.id.desc())
        query = query.order_by(*order).limit(limit + 1)
        rows = (await self._execute(query)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if more else None
        return Page(
            [row[0] for row in rows],
            _cursor_after(last[1], last[0].id, sort) if last is not None else None,
        )

    async def _check_category(self, workspace_id: int, category_id: int | None) -> None:
        """A prompt's category must be one of its own workspace's."""
        if category_id is None:
            return
        query = sa.select(Category.id).where(
            Category.id == category_id, Category.workspace_id == workspace_id
        )
        if not is_row_id(category_id) or await self._scalar(query) is None:
            raise Invalid("No such category.", field="categoryId")

    async def _add_version(self, prompt: Prompt, number: int, message: str | None = None) -> None:
        self.session.add(
            PromptVersion(
                prompt_id=prompt.id,
                version=number,
                message=message,
                **{field: getattr(prompt, field) for field in VERSIONED_FIELDS},
            )
        )

    async def name_taken(self, workspace_id: int, name: str, *, but: int | None = None) -> bool:
        """Whether a prompt of the workspace (other than `but`) has this name."""
        query = sa.select(Prompt.id).where(Prompt.workspace_id == workspace_id, Prompt.name == name)
        if but is not None:
            query = query.where(Prompt.id != but)
        return await self._scalar(query.limit(1)) is not None

    async def free_name(self, workspace_id: int, base: str) -> str:
        """`base`, or `base-2`, `base-3`… : the first no prompt of the workspace has."""
        query = sa.select(Prompt.name).where(
            Prompt.workspace_id == workspace_id,
            sa.or_(Prompt.name == base, Prompt.name.like(_like_prefix(base) + "-%", escape="\\")),
        )
        taken = set(await self._scalars(query))
        n = 1
        while numbered(base, n) in taken:
            n += 1
        return numbered(base, n)

    async def check_name_free(
        self, workspace_id: int, name: str, *, but: int | None = None
    ) -> None:
        """Conflict on `name` when another prompt of the workspace has it."""
        if await self.name_taken(workspace_id, name, but=but):
            raise Conflict(NAME_TAKEN, field="name")

    async def create_prompt(
        self, owner_id: str, data: PromptCreate, workspace_id: int | None = None
    ) -> Prompt:
        """A new prompt by `owner_id` in the workspace (None: their personal one; the service
        checked the role), saved as version 1."""
        if workspace_id is None:
            workspace_id = await self.personal_workspace_id(owner_id)
        await self._check_category(workspace_id, data.category_id)
        if data.name is None:
            name = await self.free_name(workspace_id, slug(data.title))
        else:
            name = data.name
            await self.check_name_free(workspace_id, name)
        # run_count set here as well as by the server default: read back, it must not need a
        # refresh (a lazy load, which an async session can't do).
        prompt = Prompt(
            user_id=owner_id,
            workspace_id=workspace_id,
            run_count=0,
            **{**_values(data, partial=False), "name": name},
        )
        self.session.add(prompt)
        await self._flush()
        await self._add_version(prompt, 1, data.message)
        await self._flush()
        if data.tags:
            await self.set_tags(prompt.id, data.tags)
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
            await self._check_category(prompt.workspace_id, values["category_id"])
        if "name" in values and values["name"] != prompt.name:
            await self.check_name_free(prompt.workspace_id, values["name"], but=prompt.id)
        versioned_change = any(
            field in values and values[field] != getattr(prompt, field)
            for field in VERSIONED_FIELDS
        )
        for field, value in values.items():
            setattr(prompt, field, value)
        await self._flush()
        if changes.tags is not None:
            # Tags organise the library: they are not part of the prompt's wording, so they
            # save no version.
            await self.set_tags(prompt.id, changes.tags)
        if versioned_change:
            latest = await self._scalar(
                sa.select(sa.func.max(PromptVersion.version)).where(
                    PromptVersion.prompt_id == prompt.id
                )
            )
            await self._add_version(prompt, (latest or 0) + 1, changes.message)
            await self._flush()
        return prompt

    async def delete_prompt(self, owner_id: str, prompt_id: int) -> bool:
        """Delete the owner's prompt with its versions and responses."""
        if not is_row_id(prompt_id):
            return False
        result = await self._execute(
            sa.delete(Prompt).where(
                Prompt.id == prompt_id,
                Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
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
            .where(
                PromptVersion.prompt_id == prompt_id,
                Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
            .order_by(PromptVersion.version.desc())
            .limit(1)
        )
        return await self._scalar(query) if is_row_id(prompt_id) else None

    async def get_prompt_version(
        self, owner_id: str, prompt_id: int, number: int
    ) -> PromptVersion | None:
        """Version `number` of the owner's prompt."""
        if not (is_row_id(prompt_id) and is_row_id(number)):
            return None
        query = (
            sa.select(PromptVersion)
            .join(Prompt, Prompt.id == PromptVersion.prompt_id)
            .where(
                PromptVersion.prompt_id == prompt_id,
                PromptVersion.version == number,
                Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
        )
        return await self._scalar(query)
