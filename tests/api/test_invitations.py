"""Invitations: an admin makes a link (token shown once, hash stored) with a role; whoever
holds it joins once, within 7 days, unless revoked; every bad token is a clear problem and
never a membership; registration under the invite-only policy takes a valid one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import AuditEvent, WorkspaceInvitation
from promptpro.db.session import unit_of_work
from promptpro.db.types import utcnow
from promptpro.security.tokens import hash_secret
from tests.conftest import ClientFactory
from tests.support.auth import register

WORKSPACES = "/api/v1/workspaces"


async def team_with(owner: httpx.AsyncClient, members: dict[str, str]) -> int:
    team: int = (await owner.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    for username, role in members.items():
        added = await owner.post(
            f"{WORKSPACES}/{team}/members", json={"username": username, "role": role}
        )
        assert added.status_code == 201, added.text
    return team


async def invite(client: httpx.AsyncClient, team: int, role: str = "editor") -> dict[str, Any]:
    made = await client.post(f"{WORKSPACES}/{team}/invitations", json={"role": role})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def accept(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"/api/v1/invitations/{token}/accept")


async def roles(client: httpx.AsyncClient, team: int) -> dict[str, str]:
    members = (await client.get(f"{WORKSPACES}/{team}/members")).json()
    return {m["username"]: m["role"] for m in members}


async def test_an_invitation_makes_its_holder_a_member_with_its_role_once(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    team = await team_with(ada, {})
    made = await invite(ada, team, "viewer")
    assert made["token"].startswith("ppi_")
    assert made["url"].endswith(f"/invitations/{made['token']}")

    joined = await accept(bob, made["token"])

    assert joined.status_code == 200, joined.text
    assert joined.json() == {
        "workspaceId": team,
        "workspaceName": "Team",
        "invitedBy": "ada",
        "role": "viewer",
        "expiresAt": made["expiresAt"],
    }
    assert await roles(ada, team) == {"ada": "owner", "bob": "viewer"}
    carol = await new_client()
    await register(carol, "carol")
    again = await accept(carol, made["token"])
    assert again.status_code == 410
    assert again.json()["type"] == "/problems/invitation-used"
    assert "carol" not in await roles(ada, team)
    # Only the token's hash is stored.
    async with unit_of_work(app.state.session_factory) as session:
        stored = (await session.scalars(sa.select(WorkspaceInvitation))).one()
    assert stored.token_hash == hash_secret(made["token"])
    assert made["token"] not in stored.token_hash


async def test_the_list_never_shows_a_token_and_says_what_became_of_each(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    used = await invite(ada, team)
    revoked = await invite(ada, team, "admin")
    pending = await invite(ada, team, "viewer")
    await accept(bob, used["token"])
    assert (await ada.delete(f"{WORKSPACES}/{team}/invitations/{revoked['id']}")).status_code == 204

    listed = await ada.get(f"{WORKSPACES}/{team}/invitations")

    assert listed.status_code == 200
    assert [(i["id"], i["role"], i["status"], i["invitedBy"]) for i in listed.json()] == [
        (pending["id"], "viewer", "pending", "ada"),
        (revoked["id"], "admin", "revoked", "ada"),
        (used["id"], "editor", "used", "ada"),
    ]
    for made in (used, revoked, pending):
        assert made["token"] not in listed.text


@pytest.mark.parametrize("state", ["expired", "revoked", "tampered", "unknown"])
async def test_a_bad_token_is_a_clear_problem_and_never_a_membership(
    state: str, app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    made = await invite(ada, team)
    token = made["token"]
    if state == "expired":
        async with unit_of_work(app.state.session_factory) as session:
            await session.execute(
                sa.update(WorkspaceInvitation).values(expires_at=utcnow() - timedelta(seconds=1))
            )
    elif state == "revoked":
        await ada.delete(f"{WORKSPACES}/{team}/invitations/{made['id']}")
    elif state == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:
        token = "not-an-invitation"

    response = await accept(bob, token)

    expected = {"expired": 410, "revoked": 410, "tampered": 404, "unknown": 404}[state]
    kind = {"tampered": "invalid", "unknown": "invalid"}.get(state, state)
    assert response.status_code == expected, response.text
    assert response.json()["type"] == f"/problems/invitation-{kind}"
    assert response.json()["detail"]
    assert await roles(ada, team) == {"ada": "owner"}


async def test_an_admin_may_not_invite_an_owner_but_an_owner_may(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "admin"})
    refused = await bob.post(f"{WORKSPACES}/{team}/invitations", json={"role": "owner"})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/role-required"
    assert (
        await bob.post(f"{WORKSPACES}/{team}/invitations", json={"role": "admin"})
    ).status_code == 201
    assert (
        await ada.post(f"{WORKSPACES}/{team}/invitations", json={"role": "owner"})
    ).status_code == 201


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_editors_and_viewers_may_not_see_or_make_invitations(
    role: str, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": role})
    made = await invite(ada, team)
    for response in (
        await bob.get(f"{WORKSPACES}/{team}/invitations"),
        await bob.post(f"{WORKSPACES}/{team}/invitations", json={"role": "viewer"}),
        await bob.delete(f"{WORKSPACES}/{team}/invitations/{made['id']}"),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/role-required"


async def test_a_non_member_gets_404_for_a_workspaces_invitations(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    made = await invite(ada, team)
    for response in (
        await bob.get(f"{WORKSPACES}/{team}/invitations"),
        await bob.post(f"{WORKSPACES}/{team}/invitations", json={"role": "viewer"}),
        await bob.delete(f"{WORKSPACES}/{team}/invitations/{made['id']}"),
    ):
        assert response.status_code == 404, response.text


async def test_a_personal_workspace_has_no_invitations_and_a_member_can_not_join_twice(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    personal = (await ada.get(WORKSPACES)).json()[0]
    refused = await ada.post(f"{WORKSPACES}/{personal['id']}/invitations", json={"role": "editor"})
    assert refused.status_code == 409
    team = await team_with(ada, {"bob": "viewer"})
    made = await invite(ada, team, "admin")
    twice = await accept(bob, made["token"])
    assert twice.status_code == 409
    assert (await roles(ada, team))["bob"] == "viewer"
    # Not used up: someone else can still use it.
    listed = (await ada.get(f"{WORKSPACES}/{team}/invitations")).json()
    assert listed[0]["status"] == "pending"


async def test_revoking_a_used_invitation_is_a_conflict_and_another_workspaces_is_404(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    other = await team_with(ada, {})
    made = await invite(ada, team)
    await accept(bob, made["token"])
    assert (await ada.delete(f"{WORKSPACES}/{team}/invitations/{made['id']}")).status_code == 409
    assert (await ada.delete(f"{WORKSPACES}/{other}/invitations/{made['id']}")).status_code == 404


async def test_invitations_are_audited_without_their_token(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    used = await invite(ada, team)
    revoked = await invite(ada, team)
    await accept(bob, used["token"])
    await ada.delete(f"{WORKSPACES}/{team}/invitations/{revoked['id']}")

    events = (await ada.get(f"{WORKSPACES}/{team}/audit")).json()["items"]

    assert [e["action"] for e in events][:4] == [
        "workspace.invitation_revoked",
        "workspace.invitation_used",
        "workspace.invitation_created",
        "workspace.invitation_created",
    ]
    async with unit_of_work(app.state.session_factory) as session:
        stored = list(await session.scalars(sa.select(AuditEvent)))
    everything = repr([(e.summary, e.object_id) for e in stored])
    assert used["token"] not in everything and revoked["token"] not in everything


async def test_registration_under_the_invite_policy_takes_a_valid_invitation(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    assert (await ada.patch("/api/v1/admin/settings", json={"registration": "invite"})).is_success
    team = await team_with(ada, {})
    made = await invite(ada, team, "viewer")
    stranger = await new_client()
    body = {"username": "dora", "password": "a long enough password"}

    refused = await stranger.post("/api/v1/auth/register", json=body)
    bad = await stranger.post("/api/v1/auth/register", json={**body, "invitation": "ppi_nope"})
    joined = await stranger.post(
        "/api/v1/auth/register", json={**body, "invitation": made["token"]}
    )

    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/registration-closed"
    assert bad.status_code == 404
    assert bad.json()["type"] == "/problems/invitation-invalid"
    assert joined.status_code == 201, joined.text
    assert (await roles(ada, team))["dora"] == "viewer"
    again = await (await new_client()).post(
        "/api/v1/auth/register",
        json={"username": "eve", "password": "a long enough password", "invitation": made["token"]},
    )
    assert again.status_code == 410


async def test_a_closed_instance_refuses_registration_even_with_an_invitation(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    assert (await ada.patch("/api/v1/admin/settings", json={"registration": "closed"})).is_success
    made = await invite(ada, await team_with(ada, {}))
    body = {"username": "dora", "password": "a long enough password", "invitation": made["token"]}
    refused = await (await new_client()).post("/api/v1/auth/register", json=body)
    assert refused.status_code == 403


async def test_accepting_needs_a_sign_in(ada: httpx.AsyncClient, new_client: ClientFactory) -> None:
    made = await invite(ada, await team_with(ada, {}))
    response = await (await new_client()).post(f"/api/v1/invitations/{made['token']}/accept")
    assert response.status_code == 401
