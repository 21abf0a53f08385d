"""Categories: a user's folders for prompts, with names unique per user regardless of case."""

from __future__ import annotations

from promptpro.errors import NotFound
from promptpro.schemas.library import CategoryCreate, CategoryRead, CategoryUpdate
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.services.workspaces import require_in, target_workspace
from promptpro.storage import Storage
from promptpro.storage.pagination import MAX_ID

NO_SUCH_CATEGORY = "No such category."


class CategoryService:
    """The category rules for one acting user."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def _workspace(self, workspace_id: int | None) -> int:
        if workspace_id is None:
            return await self.storage.personal_workspace_id(self.owner_id)
        return workspace_id

    async def _require(self, category_id: int, action: str) -> int:
        """The category's workspace, if the user may do `action` there."""
        category = await self.storage.get_category(self.owner_id, category_id)
        if category is None:
            raise NotFound(NO_SUCH_CATEGORY)
        await require_in(self.storage, self.owner_id, category.workspace_id, action)
        return category.workspace_id

    async def list_categories(self, workspace_id: int | None = None) -> list[CategoryRead]:
        """A workspace's categories (None: the personal one), by name; none if not a member."""
        workspace = await self._workspace(workspace_id)
        if not 0 < workspace <= MAX_ID:
            return []
        rows = await self.storage.list_categories(self.owner_id, workspace)
        return [CategoryRead.model_validate(row) for row in rows]

    async def prompt_counts(self, workspace_id: int | None = None) -> dict[int | None, int]:
        """How many prompts each category holds (None: uncategorised; absent: none)."""
        workspace = await self._workspace(workspace_id)
        return await self.storage.count_prompts_by_category(self.owner_id, workspace)

    async def get_category(self, category_id: int) -> CategoryRead:
        """One of the user's categories, or NotFound."""
        category = await self.storage.get_category(self.owner_id, category_id)
        if category is None:
            raise NotFound(NO_SUCH_CATEGORY)
        return CategoryRead.model_validate(category)

    async def create_category(self, data: CategoryCreate) -> CategoryRead:
        """A new category; Conflict on `name` when the user has one by that name in any case."""
        workspace_id = await target_workspace(self.storage, self.owner_id, data.workspace_id)
        category = await self.storage.create_category(self.owner_id, data, workspace_id)
        return CategoryRead.model_validate(category)

    async def update_category(self, category_id: int, changes: CategoryUpdate) -> CategoryRead:
        """Rename or redescribe one of the user's categories."""
        await self._require(category_id, "library.write")
        category = await self.storage.update_category(self.owner_id, category_id, changes)
        if category is None:
            raise NotFound(NO_SUCH_CATEGORY)
        return CategoryRead.model_validate(category)

    async def delete_category(self, category_id: int) -> None:
        """Delete one of the user's categories; its prompts become uncategorised."""
        workspace_id = await self._require(category_id, "library.write")
        if not await self.storage.delete_category(self.owner_id, category_id):
            raise NotFound(NO_SUCH_CATEGORY)
        await audit.record(
            self.storage,
            Action.CATEGORY_DELETED,
            f"Deleted category {category_id}",
            actor_id=self.owner_id,
            object_type="category",
            object_id=category_id,
            workspace_id=workspace_id,
        )
