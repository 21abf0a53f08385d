"""Test sets and their rows, scoped to the workspaces of the acting user."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from promptpro.db.models import TestSet, TestSetRow
from promptpro.storage.base import is_row_id
from promptpro.storage.workspaces import WorkspaceStorage, member_of


class TestSetStorage(WorkspaceStorage):
    """A test set is read only through a workspace the actor belongs to; its rows only
    through their set (the service found it first)."""

    __test__ = False

    async def get_test_set(self, actor_id: str, test_set_id: int) -> TestSet | None:
        """The test set with this id, if it is in one of the actor's workspaces."""
        if not is_row_id(test_set_id):
            return None
        query = sa.select(TestSet).where(
            TestSet.id == test_set_id, TestSet.workspace_id.in_(member_of(actor_id))
        )
        return await self._scalar(query)

    async def list_test_sets(self, actor_id: str, workspace_id: int) -> list[TestSet]:
        """A workspace's test sets by name (none unless the actor is a member)."""
        query = (
            sa.select(TestSet)
            .where(
                TestSet.workspace_id == workspace_id, TestSet.workspace_id.in_(member_of(actor_id))
            )
            .order_by(sa.func.lower(TestSet.name), TestSet.id)
        )
        return list(await self._scalars(query))

    async def count_test_rows(self, test_set_ids: list[int]) -> dict[int, int]:
        """How many rows each set holds, in one grouped query (a set with none is absent)."""
        if not test_set_ids:
            return {}
        query = (
            sa.select(TestSetRow.test_set_id, sa.func.count())
            .where(TestSetRow.test_set_id.in_(test_set_ids))
            .group_by(TestSetRow.test_set_id)
        )
        return {set_id: count for set_id, count in (await self._execute(query)).all()}

    async def create_test_set(self, author_id: str, workspace_id: int, **values: Any) -> TestSet:
        """A new test set by `author_id` in the workspace (the service checked the role)."""
        test_set = TestSet(user_id=author_id, workspace_id=workspace_id, **values)
        self.session.add(test_set)
        await self._flush()
        return test_set

    async def update_test_set(self, test_set: TestSet, **changes: Any) -> TestSet:
        """Apply the changes to a set found through `get_test_set`."""
        for name, value in changes.items():
            setattr(test_set, name, value)
        await self._flush()
        return test_set

    async def delete_test_set(self, test_set_id: int) -> bool:
        """Delete a set and its rows (ON DELETE CASCADE)."""
        result = await self._execute(sa.delete(TestSet).where(TestSet.id == test_set_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def touch_test_set(self, test_set_id: int) -> None:
        """Move the set's `updated_at`: its rows changed."""
        await self._execute(
            sa.update(TestSet).where(TestSet.id == test_set_id).values(updated_at=sa.func.now())
        )

    async def list_test_rows(
        self, test_set_id: int, *, after_id: int = 0, limit: int = 100
    ) -> list[TestSetRow]:
        """Up to `limit` rows of a set with ids after `after_id`, in the order they were added."""
        query = (
            sa.select(TestSetRow)
            .where(TestSetRow.test_set_id == test_set_id, TestSetRow.id > after_id)
            .order_by(TestSetRow.id)
            .limit(limit)
        )
        return list(await self._scalars(query))

    async def get_test_row(self, test_set_id: int, row_id: int) -> TestSetRow | None:
        """A row of this set."""
        if not is_row_id(row_id):
            return None
        query = sa.select(TestSetRow).where(
            TestSetRow.id == row_id, TestSetRow.test_set_id == test_set_id
        )
        return await self._scalar(query)

    async def add_test_rows(self, test_set_id: int, rows: list[dict[str, Any]]) -> list[TestSetRow]:
        """Add rows (each: variables, expected, assertions, meta) to a set, in this order."""
        added = [TestSetRow(test_set_id=test_set_id, **row) for row in rows]
        self.session.add_all(added)
        await self._flush()
        return added

    async def update_test_row(self, row: TestSetRow, **changes: Any) -> TestSetRow:
        """Apply the changes to a row found through `get_test_row`."""
        for name, value in changes.items():
            setattr(row, name, value)
        await self._flush()
        return row

    async def delete_test_row(self, test_set_id: int, row_id: int) -> bool:
        """Delete a row of this set."""
        if not is_row_id(row_id):
            return False
        result = await self._execute(
            sa.delete(TestSetRow).where(
                TestSetRow.id == row_id, TestSetRow.test_set_id == test_set_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
