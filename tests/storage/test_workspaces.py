"""Every account has its personal workspace, however it was made."""

from __future__ import annotations

from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage


async def test_a_new_account_owns_its_personal_workspace(storage: Storage) -> None:
    local = await storage.create_user(UserCreate(username="ada"))
    # OpenID Connect accounts come through upsert_user (the seed's upsertUser).
    oidc = await storage.upsert_user(UserCreate(id="sub-123", username="bob"))
    for user in (local, oidc):
        [(workspace, role)] = await storage.list_workspaces(user.id)
        assert (workspace.personal_user_id, workspace.name, role) == (user.id, "Personal", "owner")
        assert await storage.personal_workspace_id(user.id) == workspace.id
    # Signing in again (an upsert of an existing account) makes no second one.
    await storage.upsert_user(UserCreate(id="sub-123", username="bob"))
    assert len(await storage.list_workspaces("sub-123")) == 1
