"""Workspace invitations: a link that makes its holder a member with a chosen role.

The token is shown once, to the inviter; only its SHA-256 is kept (as for access tokens).
An invitation is used once, within `INVITATION_LIFETIME`, unless revoked. A token that is
unknown (or tampered with), expired, used or revoked is `InvitationUnusable`, naming which,
and never makes anyone a member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from promptpro.db.models import User, Workspace, WorkspaceInvitation
from promptpro.db.types import utcnow
from promptpro.errors import Conflict, InvitationUnusable, NotFound
from promptpro.schemas.invitations import (
    InvitationCreate,
    InvitationCreated,
    InvitationPreview,
    InvitationRead,
    InvitationStatus,
)
from promptpro.security.tokens import hash_secret, is_invitation_token, new_invitation_token
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.workspaces import NO_SUCH_WORKSPACE, PERSONAL, require_unlimited
from promptpro.storage import Storage

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_PATH = "/invitations/{token}"
NO_SUCH_INVITATION = "No such invitation."
UNUSABLE = {
    "invalid": "This invitation link is not valid: check that it was copied whole, or ask "
    "for a new one.",
    "expired": "This invitation has expired: ask the workspace's admin for a new one.",
    "used": "This invitation has been used already: each link makes one member.",
    "revoked": "This invitation was revoked by the workspace's admin.",
}


def invitation_status(invitation: WorkspaceInvitation, now: datetime) -> InvitationStatus:
    """What became of an invitation (used and revoked outrank expired)."""
    if invitation.used_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    return "expired" if invitation.expires_at <= now else "pending"


def invitation_url(public_url: str, token: str) -> str:
    """The landing page's address for a token."""
    return public_url.rstrip("/") + INVITATION_PATH.format(token=token)


@dataclass(frozen=True)
class FoundInvitation:
    """A usable invitation, with its workspace and the inviter's username."""

    invitation: WorkspaceInvitation
    workspace: Workspace
    invited_by: str | None

    @property
    def preview(self) -> InvitationPreview:
        """What its landing page shows."""
        return InvitationPreview(
            workspace_id=self.workspace.id,
            workspace_name=self.workspace.name,
            invited_by=self.invited_by,
            role=self.invitation.role,
            expires_at=self.invitation.expires_at,
        )


async def find_usable(storage: Storage, token: str, *, lock: bool = False) -> FoundInvitation:
    """The invitation a token names, if it can still be used; else InvitationUnusable."""
    found = (
        await storage.find_invitation(hash_secret(token), for_update=lock)
        if is_invitation_token(token)
        else None
    )
    if found is None:
        raise InvitationUnusable(UNUSABLE["invalid"], reason="invalid")
    invitation, workspace, invited_by = found
    status = invitation_status(invitation, utcnow())
    if status != "pending":
        raise InvitationUnusable(UNUSABLE[status], reason=status)
    return FoundInvitation(invitation, workspace, invited_by)


async def is_usable(storage: Storage, token: str | None) -> bool:
    """Whether `token` is a valid invitation (registration under the invite-only policy)."""
    if not token:
        return False
    try:
        await find_usable(storage, token)
    except InvitationUnusable:
        return False
    return True


async def accept(storage: Storage, user: User, token: str) -> InvitationPreview:
    """Make the user a member with the invitation's role, and use the invitation up."""
    require_unlimited(storage)
    found = await find_usable(storage, token, lock=True)
    invitation = found.invitation
    if await storage.role_in(user.id, invitation.workspace_id) is not None:
        raise Conflict("You are a member of this workspace already.", field="token")
    if not await storage.mark_invitation_used(invitation.id, user.id, utcnow()):
        # Someone used it (or it was revoked) since it was read: the conditional update won.
        raise InvitationUnusable(UNUSABLE["used"], reason="used")
    await storage.add_member(invitation.workspace_id, user.id, invitation.role)
    await audit.record(
        storage,
        Action.INVITATION_USED,
        f"Joined as {invitation.role} with invitation {invitation.id}",
        actor_id=user.id,
        object_type="invitation",
        object_id=invitation.id,
        workspace_id=invitation.workspace_id,
    )
    return found.preview


class InvitationService:
    """Making, listing and revoking a workspace's invitations, for one acting user."""

    def __init__(self, storage: Storage, actor: User, public_url: str) -> None:
        self.storage = storage
        self.actor = actor
        self.public_url = public_url

    async def _manage(self, workspace_id: int) -> tuple[Workspace, str]:
        found = await self.storage.get_membership(self.actor.id, workspace_id)
        if found is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        permissions.require_role(found[1], "invitations.manage")
        return found

    async def list_invitations(self, workspace_id: int) -> list[InvitationRead]:
        """The workspace's invitations (the newest 100), with what became of each."""
        await self._manage(workspace_id)
        now = utcnow()
        return [
            InvitationRead(
                id=invitation.id,
                role=invitation.role,
                status=invitation_status(invitation, now),
                invited_by=invited_by,
                created_at=invitation.created_at,
                expires_at=invitation.expires_at,
                used_at=invitation.used_at,
                revoked_at=invitation.revoked_at,
            )
            for invitation, invited_by in await self.storage.list_invitations(workspace_id)
        ]

    async def create(self, workspace_id: int, data: InvitationCreate) -> InvitationCreated:
        """A new invitation link; its token is in the answer and nowhere else."""
        workspace, role = await self._manage(workspace_id)
        if workspace.personal_user_id is not None:
            raise Conflict(PERSONAL + " Create a team workspace to share.", field="id")
        if data.role == "owner":
            permissions.require_role(role, "members.manage.owners")
        token = new_invitation_token()
        invitation = await self.storage.create_invitation(
            workspace_id,
            self.actor.id,
            data.role,
            hash_secret(token),
            utcnow() + INVITATION_LIFETIME,
        )
        await audit.record(
            self.storage,
            Action.INVITATION_CREATED,
            f"Made invitation {invitation.id} as {data.role}",
            actor_id=self.actor.id,
            object_type="invitation",
            object_id=invitation.id,
            workspace_id=workspace_id,
        )
        return InvitationCreated(
            id=invitation.id,
            url=invitation_url(self.public_url, token),
            token=token,
            role=invitation.role,
            expires_at=invitation.expires_at,
        )

    async def revoke(self, workspace_id: int, invitation_id: int) -> None:
        """Revoke a pending invitation: its link makes nobody a member from now on."""
        await self._manage(workspace_id)
        invitation = await self.storage.get_invitation(workspace_id, invitation_id)
        if invitation is None:
            raise NotFound(NO_SUCH_INVITATION)
        if not await self.storage.revoke_invitation(invitation.id, utcnow()):
            status = invitation_status(invitation, utcnow())
            raise Conflict(f"This invitation is {status} already.", field="invitationId")
        await audit.record(
            self.storage,
            Action.INVITATION_REVOKED,
            f"Revoked invitation {invitation.id}",
            actor_id=self.actor.id,
            object_type="invitation",
            object_id=invitation.id,
            workspace_id=workspace_id,
        )
