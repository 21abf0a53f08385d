"""Invitations in storage: found by their token's hash, used or revoked once, and storage
limited to one workspace (a limited access token's) seeing that workspace only."""

from __future__ import annotations

from datetime import timedelta

from promptpro.db.types import utcnow
from promptpro.schemas.library import PromptCreate
from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage


async def test_an_invitation_is_found_by_its_hash_and_used_once(storage: Storage) -> None:
    ada = await storage.create_user(UserCreate(username="ada"))
    bob = await storage.create_user(UserCreate(username="bob"))
    team = await storage.create_workspace("Team", ada.id)
    made = await storage.create_invitation(
        team.id, ada.id, "editor", "hash-1", utcnow() + timedelta(days=7)
    )

    found = await storage.find_invitation("hash-1", for_update=True)

    assert found is not None
    invitation, workspace, inviter = found
    assert (invitation.id, workspace.name, inviter) == (made.id, "Team", "ada")
    assert await storage.find_invitation("hash-2") is None
    assert await storage.mark_invitation_used(made.id, bob.id, utcnow())
    assert not await storage.mark_invitation_used(made.id, ada.id, utcnow())
    assert not await storage.revoke_invitation(made.id, utcnow())
    assert (await storage.get_invitation(team.id, made.id)) is not None
    assert (await storage.get_invitation(team.id + 1, made.id)) is None
    assert (await storage.get_invitation(team.id, 2**40)) is None


async def test_a_revoked_invitation_can_not_be_used(storage: Storage) -> None:
    ada = await storage.create_user(UserCreate(username="ada"))
    team = await storage.create_workspace("Team", ada.id)
    made = await storage.create_invitation(
        team.id, ada.id, "viewer", "hash", utcnow() + timedelta(days=7)
    )
    assert await storage.revoke_invitation(made.id, utcnow())
    assert not await storage.mark_invitation_used(made.id, ada.id, utcnow())
    [(listed, inviter)] = await storage.list_invitations(team.id)
    assert listed.revoked_at is not None and inviter == "ada"


async def test_deleting_a_workspace_deletes_its_invitations(storage: Storage) -> None:
    ada = await storage.create_user(UserCreate(username="ada"))
    team = await storage.create_workspace("Team", ada.id)
    await storage.create_invitation(team.id, ada.id, "viewer", "hash", utcnow())
    await storage.delete_workspace(team.id)
    assert await storage.find_invitation("hash") is None


async def test_storage_limited_to_a_workspace_sees_that_workspace_only(storage: Storage) -> None:
    ada = await storage.create_user(UserCreate(username="ada"))
    team = await storage.create_workspace("Team", ada.id)
    personal = await storage.personal_workspace_id(ada.id)
    mine = await storage.create_prompt(ada.id, PromptCreate(title="Mine", content="c"))
    shared = await storage.create_prompt(
        ada.id, PromptCreate(title="Shared", content="c"), workspace_id=team.id
    )

    storage.workspace_limit = team.id

    assert [w.id for w, _ in await storage.list_workspaces(ada.id)] == [team.id]
    assert await storage.get_membership(ada.id, personal) is None
    assert await storage.role_in(ada.id, personal) is None
    assert await storage.role_in(ada.id, team.id) == "owner"
    assert await storage.get_prompt(ada.id, mine.id) is None
    assert await storage.get_prompt(ada.id, shared.id) is not None
    assert await storage.personal_workspace_id(ada.id) == team.id
    storage.workspace_limit = None
    assert await storage.get_prompt(ada.id, mine.id) is not None
