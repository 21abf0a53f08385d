"""Categories: the seed's category operations, scoped to their owner."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import Category, Prompt
from promptpro.schemas.library import CategoryCreate, CategoryUpdate
from promptpro.storage.base import StorageBase, is_row_id


class CategoryStorage(StorageBase):
    """getCategory, getCategoriesByUserId, createCategory, updateCategory, deleteCategory."""

    async def get_category(self, owner_id: str, category_id: int) -> Category | None:
        """The owner's category with this id."""
        if not is_row_id(category_id):
            return None
        query = sa.select(Category).where(Category.id == category_id, Category.user_id == owner_id)
        return await self._scalar(query)

    async def list_categories(self, owner_id: str) -> list[Category]:
        """The owner's categories by name."""
        query = (
            sa.select(Category)
            .where(Category.user_id == owner_id)
            .order_by(sa.func.lower(Category.name), Category.id)
        )
        return list(await self._scalars(query))

    async def count_prompts_by_category(self, owner_id: str) -> dict[int | None, int]:
        """How many prompts the owner has in each category (None: uncategorised), in one
        grouped query; a category with none is absent."""
        query = (
            sa.select(Prompt.category_id, sa.func.count())
            .where(Prompt.user_id == owner_id)
            .group_by(Prompt.category_id)
        )
        rows = (await self._execute(query)).all()
        return {category_id: count for category_id, count in rows}

    async def create_category(self, owner_id: str, data: CategoryCreate) -> Category:
        """A new category for the owner."""
        category = Category(user_id=owner_id, **data.model_dump())
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
            sa.delete(Category).where(Category.id == category_id, Category.user_id == owner_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
