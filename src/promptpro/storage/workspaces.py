"""Workspaces and their members: who belongs where, with which role."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import User, Workspace, WorkspaceMember
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.users import PERSONAL_NAME


def member_of(user_id: str, limit: int | None = None) -> sa.Select[int]:
    """The ids of the workspaces a user belongs to: every library read is scoped by it
    (`limit`: only that one, for a token limited to a workspace)."""
    query = sa.select(WorkspaceMember.workspace_id).where(WorkspaceMember.user_id == user_id)
    return query if limit is None else query.where(WorkspaceMember.workspace_id == limit)


class WorkspaceStorage(StorageBase):
    """Workspaces, memberships and roles."""

    def _outside_limit(self, workspace_id: int) -> bool:
        """Whether a token limited to another workspace makes this one invisible."""
        return self.workspace_limit is not None and workspace_id != self.workspace_limit

    async def create_workspace(
        self, name: str, owner_id: str, *, personal: bool = False
    ) -> Workspace:
        """A new workspace with its first owner (a personal one belongs to that user)."""
        workspace = Workspace(name=name, personal_user_id=owner_id if personal else None)
        self.session.add(workspace)
        await self._flush()
        self.session.add(WorkspaceMember(workspace_id=workspace.id, user_id=owner_id, role="owner"))
        await self._flush()
        return workspace

    async def personal_workspace_id(self, user_id: str) -> int:
        """The id of the user's personal workspace (made now if the user has none yet)."""
        if self.workspace_limit is not None:
            # A token limited to a workspace makes its new objects there.
            return self.workspace_limit
        query = sa.select(Workspace.id).where(Workspace.personal_user_id == user_id)
        found = await self._scalar(query)
        if found is not None:
            return found
        return (await self.create_workspace(PERSONAL_NAME, user_id, personal=True)).id

    async def list_workspaces(self, user_id: str) -> list[tuple[Workspace, str]]:
        """The workspaces the user belongs to with their role: the personal one first."""
        query = (
            sa.select(Workspace, WorkspaceMember.role)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
            .where(WorkspaceMember.workspace_id.in_(member_of(user_id, self.workspace_limit)))
            .where(WorkspaceMember.user_id == user_id)
            .order_by(
                Workspace.personal_user_id.is_(None), sa.func.lower(Workspace.name), Workspace.id
            )
        )
        return [(row[0], row[1]) for row in (await self._execute(query)).all()]

    async def get_membership(self, user_id: str, workspace_id: int) -> tuple[Workspace, str] | None:
        """The workspace and the user's role in it (None: no such workspace, or not theirs)."""
        if not is_row_id(workspace_id) or self._outside_limit(workspace_id):
            return None
        query = (
            sa.select(Workspace, WorkspaceMember.role)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
            .where(WorkspaceMember.user_id == user_id, Workspace.id == workspace_id)
        )
        row = (await self._execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def role_in(self, user_id: str, workspace_id: int) -> str | None:
        """The user's role in the workspace (None: not a member)."""
        if self._outside_limit(workspace_id):
            return None
        query = sa.select(WorkspaceMember.role).where(
            WorkspaceMember.user_id == user_id, WorkspaceMember.workspace_id == workspace_id
        )
        return await self._scalar(query)

    async def set_protected_labels(self, workspace: Workspace, labels: list[str]) -> None:
        """The labels only the workspace's admins and owners may move."""
        workspace.protected_labels = labels
        await self._flush()

    async def rename_workspace(self, workspace: Workspace, name: str) -> None:
        """Give the workspace a new name."""
        workspace.name = name
        await self._flush()

    async def delete_workspace(self, workspace_id: int) -> bool:
        """Delete a workspace with everything in it (its categories, prompts, responses)."""
        result = await self._execute(sa.delete(Workspace).where(Workspace.id == workspace_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_members(self, workspace_id: int) -> list[tuple[User, str]]:
        """The workspace's members with their roles, by username."""
        query = (
            sa.select(User, WorkspaceMember.role)
            .join(WorkspaceMember, WorkspaceMember.user_id == User.id)
            .where(WorkspaceMember.workspace_id == workspace_id)
            .order_by(sa.func.lower(User.username), User.id)
        )
        return [(row[0], row[1]) for row in (await self._execute(query)).all()]

    async def add_member(self, workspace_id: int, user_id: str, role: str) -> None:
        """Make the user a member with `role`."""
        self.session.add(WorkspaceMember(workspace_id=workspace_id, user_id=user_id, role=role))
        await self._flush()

    async def set_role(self, workspace_id: int, user_id: str, role: str) -> bool:
        """Change a member's role (False: not a member)."""
        result = await self._execute(
            sa.update(WorkspaceMember)
            .where(WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.user_id == user_id)
            .values(role=role)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove_member(self, workspace_id: int, user_id: str) -> bool:
        """End a membership (False: not a member)."""
        result = await self._execute(
            sa.delete(WorkspaceMember).where(
                WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_owners(self, workspace_id: int) -> int:
        """How many owners the workspace has."""
        query = sa.select(sa.func.count()).where(
            WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.role == "owner"
        )
        return int(await self._scalar(query) or 0)
