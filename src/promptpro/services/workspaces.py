"""Workspaces: creating, renaming, deleting and handing them over; their members and roles.

A workspace always keeps at least one owner. A personal workspace is its user's alone: it
can't be deleted, shared or handed over (the user's account goes with it).
"""

from __future__ import annotations

from datetime import datetime

from promptpro.db.models import AuditEvent, User, Workspace
from promptpro.errors import Conflict, Forbidden, Invalid, NotFound
from promptpro.schemas.workspaces import (
    MemberCreate,
    MemberRead,
    MemberUpdate,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.storage import Page, Storage

NO_SUCH_WORKSPACE = "No such workspace."
NO_SUCH_MEMBER = "No such member."
LAST_OWNER = "A workspace keeps at least one owner: make another member owner first."
PERSONAL = "Your personal workspace is yours alone."


LIMITED_TOKEN = "This access token is limited to one workspace: it can't reach another."  # noqa: S105


def require_unlimited(storage: Storage) -> None:
    """Refuse (403 `/problems/workspace-limited-token`) what would reach past the one
    workspace a limited access token sees: making a workspace, joining one."""
    if storage.workspace_limit is not None:
        raise Forbidden(LIMITED_TOKEN, kind="workspace-limited-token")


async def require_in(storage: Storage, actor_id: str, workspace_id: int, action: str) -> str:
    """The actor's role in the workspace if it allows `action`: NotFound for a non-member
    (as for any object not theirs), Forbidden naming the role needed otherwise."""
    found = await storage.get_membership(actor_id, workspace_id)
    if found is None:
        raise NotFound(NO_SUCH_WORKSPACE)
    permissions.require_role(found[1], action)
    return found[1]


async def require_for_prompt(
    storage: Storage, actor_id: str, prompt_id: int, action: str, *, missing: str
) -> int:
    """The prompt's workspace if the actor may do `action` there: NotFound(`missing`)
    unless the prompt is in one of the actor's workspaces, Forbidden naming the role."""
    prompt = await storage.get_prompt(actor_id, prompt_id)
    if prompt is None:
        raise NotFound(missing)
    permissions.require_role(await storage.role_in(actor_id, prompt.workspace_id), action)
    return prompt.workspace_id


async def require_for_response(
    storage: Storage, actor_id: str, response_id: int, action: str, *, missing: str
) -> None:
    """Check the actor may do `action` to a response (as `require_for_prompt`)."""
    response = await storage.get_response(actor_id, response_id)
    if response is None:
        raise NotFound(missing)
    await require_for_prompt(storage, actor_id, response.prompt_id, action, missing=missing)


async def target_workspace(storage: Storage, actor_id: str, workspace_id: int | None) -> int:
    """The workspace a new prompt or category goes to (None: the actor's personal one), if
    the actor may write there; a workspace they are not in is Invalid on `workspaceId`."""
    if workspace_id is None:
        return await storage.personal_workspace_id(actor_id)
    found = await storage.get_membership(actor_id, workspace_id)
    if found is None:
        raise Invalid(NO_SUCH_WORKSPACE, field="workspaceId")
    permissions.require_role(found[1], "library.write")
    return workspace_id


def _read(workspace: Workspace, role: str, actor_id: str) -> WorkspaceRead:
    return WorkspaceRead(
        id=workspace.id,
        name=workspace.name,
        personal=workspace.personal_user_id == actor_id,
        role=role,
        protected_labels=(
            ["production"] if workspace.protected_labels is None else workspace.protected_labels
        ),
        created_at=workspace.created_at,
        updated_at=workspace.updated_at,
    )


class WorkspaceService:
    """The workspace rules for one acting user."""

    def __init__(self, storage: Storage, actor: User) -> None:
        self.storage = storage
        self.actor = actor

    async def _membership(self, workspace_id: int, action: str) -> tuple[Workspace, str]:
        found = await self.storage.get_membership(self.actor.id, workspace_id)
        if found is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        permissions.require_role(found[1], action)
        return found

    async def _audit(self, action: Action, summary: str, workspace_id: int, **kw: str) -> None:
        await audit.record(
            self.storage,
            action,
            summary,
            actor_id=self.actor.id,
            object_type=kw.get("object_type", "workspace"),
            object_id=kw.get("object_id", str(workspace_id)),
            workspace_id=workspace_id,
        )

    async def list_workspaces(self) -> list[WorkspaceRead]:
        """The workspaces the user belongs to, the personal one first."""
        await self.storage.personal_workspace_id(self.actor.id)  # accounts from before
        rows = await self.storage.list_workspaces(self.actor.id)
        return [_read(workspace, role, self.actor.id) for workspace, role in rows]

    async def get_workspace(self, workspace_id: int) -> WorkspaceRead:
        """One of the user's workspaces."""
        workspace, role = await self._membership(workspace_id, "workspace.read")
        return _read(workspace, role, self.actor.id)

    async def create_workspace(self, data: WorkspaceCreate) -> WorkspaceRead:
        """A new team workspace owned by the user."""
        permissions.require(self.actor, "workspace.create")
        require_unlimited(self.storage)
        workspace = await self.storage.create_workspace(data.name, self.actor.id)
        await self._audit(
            Action.WORKSPACE_CREATED, f"Created workspace {workspace.id}", workspace.id
        )
        return _read(workspace, "owner", self.actor.id)

    async def rename_workspace(self, workspace_id: int, data: WorkspaceUpdate) -> WorkspaceRead:
        """Rename a workspace, or choose its protected labels (admins and owners)."""
        workspace, role = await self._membership(workspace_id, "workspace.read")
        if data.name is not None:
            permissions.require_role(role, "workspace.rename")
        if data.protected_labels is not None:
            permissions.require_role(role, "labels.protect")
        if data.name is not None:
            await self.storage.rename_workspace(workspace, data.name)
        if data.protected_labels is not None:
            await self.storage.set_protected_labels(
                workspace, list(dict.fromkeys(data.protected_labels))
            )
        return _read(workspace, role, self.actor.id)

    async def delete_workspace(self, workspace_id: int, confirm: str) -> None:
        """Delete a team workspace and everything in it, once its exact name is typed."""
        workspace, _ = await self._membership(workspace_id, "workspace.delete")
        if workspace.personal_user_id is not None:
            raise Conflict(PERSONAL + " It goes with your account.", field="id")
        if confirm != workspace.name:
            raise Invalid("Type the workspace's exact name to delete it.", field="confirm")
        await self.storage.delete_workspace(workspace_id)
        await self._audit(
            Action.WORKSPACE_DELETED, f"Deleted workspace {workspace_id}", workspace_id
        )

    async def transfer(self, workspace_id: int, user_id: str) -> WorkspaceRead:
        """Make another member the owner; the user stays, as an admin."""
        workspace, _ = await self._membership(workspace_id, "workspace.transfer")
        if user_id == self.actor.id:
            raise Invalid("You already own it: name another member.", field="userId")
        if await self.storage.role_in(user_id, workspace_id) is None:
            raise Invalid(NO_SUCH_MEMBER, field="userId")
        await self.storage.set_role(workspace_id, user_id, "owner")
        await self.storage.set_role(workspace_id, self.actor.id, "admin")
        await self._audit(
            Action.WORKSPACE_TRANSFERRED,
            f"Transferred workspace {workspace_id} to user {user_id}",
            workspace_id,
        )
        return _read(workspace, "admin", self.actor.id)

    async def list_members(self, workspace_id: int) -> list[MemberRead]:
        """The workspace's members and their roles."""
        await self._membership(workspace_id, "workspace.read")
        rows = await self.storage.list_members(workspace_id)
        return [MemberRead(user_id=u.id, username=u.username, role=r) for u, r in rows]

    async def add_member(self, workspace_id: int, data: MemberCreate) -> MemberRead:
        """Add an existing user with a role (an owner only by an owner)."""
        workspace, role = await self._membership(workspace_id, "members.manage")
        if workspace.personal_user_id is not None:
            raise Conflict(PERSONAL + " Create a team workspace to share.", field="id")
        if data.role == "owner":
            permissions.require_role(role, "members.manage.owners")
        user = await self.storage.get_user_by_username(data.username)
        if user is None or user.disabled:
            raise Invalid("No such user.", field="username")
        if await self.storage.role_in(user.id, workspace_id) is not None:
            raise Conflict("They are a member already.", field="username")
        await self.storage.add_member(workspace_id, user.id, data.role)
        await self._audit(
            Action.MEMBER_ADDED,
            f"Added user {user.id} as {data.role}",
            workspace_id,
            object_type="user",
            object_id=user.id,
        )
        return MemberRead(user_id=user.id, username=user.username, role=data.role)

    async def _member_role(self, workspace_id: int, user_id: str) -> str:
        current = await self.storage.role_in(user_id, workspace_id)
        if current is None:
            raise NotFound(NO_SUCH_MEMBER)
        return current

    async def _keep_an_owner(self, workspace_id: int, current: str) -> None:
        if current == "owner" and await self.storage.count_owners(workspace_id) <= 1:
            raise Conflict(LAST_OWNER, field="role")

    async def change_role(self, workspace_id: int, user_id: str, data: MemberUpdate) -> MemberRead:
        """Change a member's role; making, demoting an owner takes an owner."""
        _, role = await self._membership(workspace_id, "members.manage")
        current = await self._member_role(workspace_id, user_id)
        if "owner" in (current, data.role):
            permissions.require_role(role, "members.manage.owners")
        if data.role != "owner":
            await self._keep_an_owner(workspace_id, current)
        await self.storage.set_role(workspace_id, user_id, data.role)
        await self._audit(
            Action.MEMBER_ROLE_CHANGED,
            f"Changed user {user_id} from {current} to {data.role}",
            workspace_id,
            object_type="user",
            object_id=user_id,
        )
        user = await self.storage.get_user(user_id)
        return MemberRead(user_id=user_id, username=user.username if user else "", role=data.role)

    async def remove_member(self, workspace_id: int, user_id: str) -> None:
        """Remove a member (admins; an owner only by an owner), or leave (anyone)."""
        leaving = user_id == self.actor.id
        _, role = await self._membership(
            workspace_id, "workspace.leave" if leaving else "members.manage"
        )
        current = await self._member_role(workspace_id, user_id)
        if current == "owner" and not leaving:
            permissions.require_role(role, "members.manage.owners")
        await self._keep_an_owner(workspace_id, current)
        await self.storage.remove_member(workspace_id, user_id)
        who = "Left" if leaving else f"Removed user {user_id} from"
        await self._audit(
            Action.MEMBER_REMOVED,
            f"{who} workspace {workspace_id}",
            workspace_id,
            object_type="user",
            object_id=user_id,
        )

    async def list_events(
        self,
        workspace_id: int,
        *,
        action: Action | None,
        cursor: str | None,
        limit: int,
        before: datetime | None = None,
    ) -> Page[AuditEvent]:
        """A page of the workspace's audit events, newest first (admins and owners)."""
        await self._membership(workspace_id, "audit.workspace.read")
        return await audit.list_workspace_events(
            self.storage, workspace_id, action=action, before=before, cursor=cursor, limit=limit
        )
