"""Categories: the seed's category operations, scoped to their owner."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import Category, Prompt
from promptpro.schemas.library import CategoryCreate, CategoryUpdate
from promptpro.storage.base import is_row_id
from promptpro.storage.workspaces import WorkspaceStorage, member_of


class CategoryStorage(WorkspaceStorage):
    """getCategory, getCategoriesByUserId, createCategory, updateCategory, deleteCategory."""

    async def get_category(self, owner_id: str, category_id: int) -> Category | None:
        """The owner's category with this id."""
        if not is_row_id(category_id):
            return None
        query = sa.select(Category).where(
            Category.id == category_id,
            Category.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
        )
        return await self._scalar(query)

    async def list_categories(
        self, owner_id: str, workspace_id: int | None = None
    ) -> list[Category]:
        """The workspace's categories by name (None: of every workspace of the user's; none
        of a workspace the user is not in)."""
        query = (
            sa.select(Category)
            .where(
                Category.workspace_id == (workspace_id or Category.workspace_id),
                Category.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
            .order_by(sa.func.lower(Category.name), Category.id)
        )
        return list(await self._scalars(query))

    async def count_prompts_by_category(
        self, owner_id: str, workspace_id: int | None = None
    ) -> dict[int | None, int]:
        """How many prompts the workspace has in each category (None: uncategorised), in one
        grouped query; a category with none is absent (nothing unless the user is a member)."""
        query = (
            sa.select(Prompt.category_id, sa.func.count())
            .where(
                Prompt.workspace_id == (workspace_id or Prompt.workspace_id),
                Prompt.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
            .group_by(Prompt.category_id)
        )
        rows = (await self._execute(query)).all()
        return {category_id: count for category_id, count in rows}

    async def create_category(
        self, owner_id: str, data: CategoryCreate, workspace_id: int | None = None
    ) -> Category:
        """A new category by `owner_id` in the workspace (None: their personal one; the
        service checked the role)."""
        if workspace_id is None:
            workspace_id = await self.personal_workspace_id(owner_id)
        values = data.model_dump(exclude={"workspace_id"})
        category = Category(user_id=owner_id, workspace_id=workspace_id, **values)
        self.session.add(category)
        await self._flush()
        return category

    async def update_category(
        self, owner_id: str, category_id: int, changes: CategoryUpdate
    ) -> Category | None:
        """Apply the fields sent in `changes` to the owner's category."""
        category = await self.get_category(owner_id, category_id)
        if category is None:
            return None
        for field, value in changes.model_dump(exclude_unset=True).items():
            setattr(category, field, value)
        await self._flush()
        return category

    async def delete_category(self, owner_id: str, category_id: int) -> bool:
        """Delete the owner's category; its prompts become uncategorised (ON DELETE SET NULL)."""
        if not is_row_id(category_id):
            return False
        result = await self._execute(
            sa.delete(Category).where(
                Category.id == category_id,
                Category.workspace_id.in_(member_of(owner_id, self.workspace_limit)),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
