"""Workspace invitations, found by the hash of their token or by id within a workspace."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from promptpro.db.models import User, Workspace, WorkspaceInvitation
from promptpro.storage.base import StorageBase, is_row_id


class InvitationStorage(StorageBase):
    """Create, list, find, use and revoke invitations (the service checks who may)."""

    async def create_invitation(
        self, workspace_id: int, inviter_id: str, role: str, token_hash: str, expires_at: datetime
    ) -> WorkspaceInvitation:
        """A new invitation (only the hash of its token is kept)."""
        invitation = WorkspaceInvitation(
            workspace_id=workspace_id,
            inviter_id=inviter_id,
            role=role,
            token_hash=token_hash,
            expires_at=expires_at,
        )
        self.session.add(invitation)
        await self._flush()
        return invitation

    async def list_invitations(
        self, workspace_id: int, *, limit: int = 100
    ) -> list[tuple[WorkspaceInvitation, str | None]]:
        """The workspace's invitations, newest first, with the inviter's username."""
        query = (
            sa.select(WorkspaceInvitation, User.username)
            .outerjoin(User, User.id == WorkspaceInvitation.inviter_id)
            .where(WorkspaceInvitation.workspace_id == workspace_id)
            .order_by(WorkspaceInvitation.id.desc())
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self._execute(query)).all()]

    async def get_invitation(
        self, workspace_id: int, invitation_id: int
    ) -> WorkspaceInvitation | None:
        """One invitation of the workspace (None: not of this workspace)."""
        if not is_row_id(invitation_id):
            return None
        query = sa.select(WorkspaceInvitation).where(
            WorkspaceInvitation.id == invitation_id,
            WorkspaceInvitation.workspace_id == workspace_id,
        )
        return await self._scalar(query)

    async def find_invitation(
        self, token_hash: str, *, for_update: bool = False
    ) -> tuple[WorkspaceInvitation, Workspace, str | None] | None:
        """The invitation whose token has this hash, its workspace and the inviter's name.

        `for_update` locks the row (PostgreSQL) so that two accepts of one token queue.
        """
        query = (
            sa.select(WorkspaceInvitation, Workspace, User.username)
            .join(Workspace, Workspace.id == WorkspaceInvitation.workspace_id)
            .outerjoin(User, User.id == WorkspaceInvitation.inviter_id)
            .where(WorkspaceInvitation.token_hash == token_hash)
        )
        if for_update:
            query = query.with_for_update(of=WorkspaceInvitation)
        row = (await self._execute(query)).first()
        return (row[0], row[1], row[2]) if row is not None else None

    async def mark_invitation_used(self, invitation_id: int, user_id: str, at: datetime) -> bool:
        """Use the invitation up, if nobody did and it isn't revoked (False otherwise): a
        conditional update, so that of two concurrent accepts only one wins."""
        result = await self._execute(
            sa.update(WorkspaceInvitation)
            .where(
                WorkspaceInvitation.id == invitation_id,
                WorkspaceInvitation.used_at.is_(None),
                WorkspaceInvitation.revoked_at.is_(None),
            )
            .values(used_at=at, used_by_id=user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_invitation(self, invitation_id: int, at: datetime) -> bool:
        """Revoke a pending invitation (False: used or revoked already)."""
        result = await self._execute(
            sa.update(WorkspaceInvitation)
            .where(
                WorkspaceInvitation.id == invitation_id,
                WorkspaceInvitation.used_at.is_(None),
                WorkspaceInvitation.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
