"""The invitation rules without HTTP: what a token's state is, and who may invite as what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promptpro.db.models import WorkspaceInvitation
from promptpro.db.types import utcnow
from promptpro.errors import Forbidden, InvitationUnusable
from promptpro.schemas.invitations import InvitationCreate
from promptpro.schemas.users import UserCreate
from promptpro.services import invitations, permissions
from promptpro.services.invitations import InvitationService, invitation_status
from promptpro.storage import Storage


def _invitation(**fields: object) -> WorkspaceInvitation:
    return WorkspaceInvitation(**{"expires_at": utcnow() + timedelta(days=1), **fields})


def test_an_invitations_status_says_what_became_of_it() -> None:
    now = utcnow()
    assert invitation_status(_invitation(), now) == "pending"
    assert invitation_status(_invitation(expires_at=now), now) == "expired"
    assert invitation_status(_invitation(used_at=now), now) == "used"
    assert invitation_status(_invitation(revoked_at=now), now) == "revoked"


def test_managing_invitations_takes_an_admin() -> None:
    assert [
        r
        for r in ("owner", "admin", "editor", "viewer")
        if permissions.role_allows(r, "invitations.manage")
    ] == ["owner", "admin"]
    assert permissions.role_allows("admin", "audit.workspace.read")
    assert not permissions.role_allows("editor", "audit.workspace.read")


async def test_an_admin_invites_as_anything_but_owner(storage: Storage) -> None:
    ada = await storage.create_user(UserCreate(username="ada"))
    bob = await storage.create_user(UserCreate(username="bob"))
    team = await storage.create_workspace("Team", ada.id)
    await storage.add_member(team.id, bob.id, "admin")
    service = InvitationService(storage, bob, "https://prompts.example.com")

    made = await service.create(team.id, InvitationCreate(role="admin"))

    assert made.url == f"https://prompts.example.com/invitations/{made.token}"
    assert made.expires_at - utcnow() > timedelta(days=6, hours=23)
    with pytest.raises(Forbidden):
        await service.create(team.id, InvitationCreate(role="owner"))


@pytest.mark.parametrize("token", ["", "ppi_", "pp_secret", "ppi_" + "x" * 300, "ppi_unknown"])
async def test_anything_but_a_known_token_is_invalid(storage: Storage, token: str) -> None:
    with pytest.raises(InvitationUnusable) as refused:
        await invitations.find_usable(storage, token)
    assert refused.value.reason == "invalid"
    assert not await invitations.is_usable(storage, token)
