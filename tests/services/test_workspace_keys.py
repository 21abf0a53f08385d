"""A workspace's keys at rest: bound to the workspace, rotated with everyone's, never in
the clear, and readable only by the roles the permissions table names."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Forbidden, KeyUnavailable, NotFound
from promptpro.security.vault import Vault, key_id, key_id_of
from promptpro.services import permissions
from promptpro.services.workspace_keys import WorkspaceKeyService
from promptpro.storage import Storage
from tests.services.test_keys import (
    KEY_A,
    KEY_B,
    OPENAI_KEY,
    XAI_KEY,
    everything_stored,
    new_user,
    rotate,
    set_keys,
    spellings,
    stored_key_ids_now,
)


async def new_team(factory: SessionFactory, owner_id: str) -> int:
    async with unit_of_work(factory) as session:
        return (await Storage(session).create_workspace("Team", owner_id)).id


async def add_member(factory: SessionFactory, team: int, user_id: str, role: str) -> None:
    async with unit_of_work(factory) as session:
        await Storage(session).add_member(team, user_id, role)


async def set_team_key(
    factory: SessionFactory, vault: Vault, actor: str, team: int, provider: str, key: str
) -> None:
    async with unit_of_work(factory) as session:
        await WorkspaceKeyService(Storage(session), vault, actor).set_key(team, provider, key)


async def team_ciphertexts(factory: SessionFactory) -> list[str]:
    async with factory() as session:
        rows = await Storage(session).list_all_workspace_api_keys()
    columns = ("openai_key", "anthropic_key", "gemini_key", "xai_key")
    return [getattr(row, c) for row in rows for c in columns if getattr(row, c) is not None]


def test_the_permissions_table_gives_workspace_keys_to_owners_and_admins_only() -> None:
    allowed = {
        role
        for role in permissions.WORKSPACE_ROLES
        if permissions.role_allows(role, "workspace.keys.manage")
    }
    assert allowed == {permissions.Role.OWNER, permissions.Role.ADMIN}
    with pytest.raises(Forbidden, match="admin role"):
        permissions.require_role("editor", "workspace.keys.manage")


async def test_rotation_re_encrypts_workspace_keys_with_the_users_losing_none(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    team = await new_team(session_factory, ada)
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY)
    await set_team_key(session_factory, Vault([KEY_A]), ada, team, "xai", XAI_KEY)
    assert {key_id_of(c) for c in await team_ciphertexts(session_factory)} == {key_id(KEY_A)}

    assert await rotate(session_factory, Vault([KEY_B, KEY_A])) == 2

    assert {key_id_of(c) for c in await team_ciphertexts(session_factory)} == {key_id(KEY_B)}
    assert await stored_key_ids_now(session_factory) == {key_id(KEY_B): 2}
    async with unit_of_work(session_factory) as session:
        listed = await WorkspaceKeyService(Storage(session), Vault([KEY_B]), ada).list_keys(team)
    assert [(k.provider, k.hint) for k in listed if k.configured] == [
        ("xai", "xai-…" + XAI_KEY[-4:])
    ]


async def test_rotation_refuses_while_a_workspace_key_cannot_be_decrypted(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    team = await new_team(session_factory, ada)
    async with unit_of_work(session_factory) as session:
        await Storage(session).save_workspace_api_keys(ada, team, {"gemini": "not a ciphertext"})
    with pytest.raises(KeyUnavailable, match=f"workspace {team}'s gemini key"):
        await rotate(session_factory, Vault([KEY_A]))
    assert await team_ciphertexts(session_factory) == ["not a ciphertext"]


async def test_a_workspace_key_whose_master_key_is_gone_is_listed_with_the_fix(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    team = await new_team(session_factory, ada)
    await set_team_key(session_factory, Vault([KEY_A]), ada, team, "openai", OPENAI_KEY)
    async with unit_of_work(session_factory) as session:
        listed = await WorkspaceKeyService(Storage(session), Vault([KEY_B]), ada).list_keys(team)
    assert listed[0].configured and listed[0].hint is None
    assert listed[0].error is not None and key_id(KEY_A) in listed[0].error


async def test_members_learn_which_providers_have_a_key_but_strangers_nothing(
    session_factory: SessionFactory,
) -> None:
    ada, bob, cy = [await new_user(session_factory, n) for n in ("ada", "bob", "cyd")]
    team = await new_team(session_factory, ada)
    await add_member(session_factory, team, bob, "viewer")
    await set_team_key(session_factory, Vault([KEY_A]), ada, team, "openai", OPENAI_KEY)
    async with unit_of_work(session_factory) as session:
        storage = Storage(session)
        assert await WorkspaceKeyService(storage, Vault([KEY_A]), bob).configured_providers(
            team
        ) == {"openai"}
        assert not await WorkspaceKeyService(storage, Vault([KEY_A]), cy).configured_providers(team)
        with pytest.raises(NotFound):
            await WorkspaceKeyService(storage, Vault([KEY_A]), cy).list_keys(team)
        with pytest.raises(Forbidden):
            await WorkspaceKeyService(storage, Vault([KEY_A]), bob).list_keys(team)


async def test_no_workspace_key_is_anywhere_in_the_database_in_the_clear(
    session_factory: SessionFactory, engine: AsyncEngine
) -> None:
    ada = await new_user(session_factory, "ada")
    team = await new_team(session_factory, ada)
    await set_team_key(session_factory, Vault([KEY_A]), ada, team, "openai", OPENAI_KEY)
    await set_team_key(session_factory, Vault([KEY_A]), ada, team, "xai", XAI_KEY)
    stored = await everything_stored(engine)
    assert b"v1." + key_id(KEY_A).encode() in stored
    for key in (OPENAI_KEY, XAI_KEY):
        for spelling in spellings(key):
            assert spelling not in stored
