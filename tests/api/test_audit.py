"""The audit log: every listed action is recorded, never with a secret; each user sees their
own account's events and the admin everyone's; keyset pages; no route changes an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import AuditEvent
from promptpro.db.session import unit_of_work
from promptpro.services.audit import Action
from promptpro.services.catalogue import update_catalogue
from promptpro.storage import Storage
from tests.conftest import ClientFactory
from tests.support.auth import DEFAULT_PASSWORD, create_token, login, register

MINE = "/api/v1/me/audit"
ALL = "/api/v1/admin/audit"
NEW_PASSWORD = "a much newer passphrase"
PROVIDER_KEY = "sk-secret-provider-key-0123456789abcdef"


async def _all_events(client: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        query: dict[str, str | int] = {**params, "limit": 3}
        if cursor:
            query["cursor"] = cursor
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        events += response.json()["items"]
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return events


async def _do_everything(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> tuple[str, dict[str, str]]:
    """Each recorded action once (ada is the admin; bob the other user); bob's token."""
    bob = await new_client()
    bob_user = (await register(bob, "bob"))["user"]
    ada_id = (await ada.get("/api/v1/me")).json()["id"]
    failed = await (await new_client()).post(
        "/api/v1/auth/login", json={"username": "bob", "password": "wrong password!"}
    )
    assert failed.status_code == 401
    await login(await new_client(), "bob")
    secret = await create_token(bob, "laptop")
    tokens = (await bob.get("/api/v1/tokens")).json()
    assert (await bob.delete(f"/api/v1/tokens/{tokens[0]['id']}")).status_code == 204
    assert (await bob.put("/api/v1/keys/openai", json={"key": PROVIDER_KEY})).is_success
    assert (await bob.delete("/api/v1/keys/openai")).status_code == 204
    endpoint = await bob.post(
        "/api/v1/endpoints",
        json={"name": "own", "baseUrl": "https://llm.example.com/v1", "key": PROVIDER_KEY},
    )
    assert endpoint.status_code == 201
    assert (await bob.delete(f"/api/v1/endpoints/{endpoint.json()['id']}")).status_code == 204
    prompt = (
        await bob.post(
            "/api/v1/prompts", json={"title": "Secret plan", "content": "TOP SECRET TEXT"}
        )
    ).json()
    assert (await bob.delete(f"/api/v1/prompts/{prompt['id']}")).status_code == 204
    category = (await bob.post("/api/v1/categories", json={"name": "Poems"})).json()
    assert (await bob.delete(f"/api/v1/categories/{category['id']}")).status_code == 204
    test_set = (await bob.post("/api/v1/test-sets", json={"name": "Secret plan"})).json()
    assert (await bob.delete(f"/api/v1/test-sets/{test_set['id']}")).status_code == 204
    bobs_workspace = (await bob.get("/api/v1/workspaces")).json()[0]["id"]
    library = b'{"format": "promptpro-export", "version": 1, "categories": [{"name": "Plans"}]}'
    imported = await bob.post(
        f"/api/v1/workspaces/{bobs_workspace}/import?format=promptpro", content=library
    )
    assert imported.status_code == 200, imported.text
    changed = await bob.post(
        "/api/v1/me/password",
        json={"currentPassword": DEFAULT_PASSWORD, "newPassword": NEW_PASSWORD},
    )
    assert changed.status_code == 204
    team = (await bob.post("/api/v1/workspaces", json={"name": "Team"})).json()
    members = f"/api/v1/workspaces/{team['id']}/members"
    assert (await bob.post(members, json={"username": "ada", "role": "viewer"})).is_success
    assert (await bob.patch(f"{members}/{ada_id}", json={"role": "editor"})).is_success
    transfer = await bob.post(f"/api/v1/workspaces/{team['id']}/transfer", json={"userId": ada_id})
    assert transfer.is_success
    invitations = f"/api/v1/workspaces/{team['id']}/invitations"
    used = (await ada.post(invitations, json={"role": "viewer"})).json()
    carol = await new_client()
    await register(carol, "carol")
    accepted = await carol.post(f"/api/v1/invitations/{used['token']}/accept")
    assert accepted.is_success
    revoked = (await ada.post(invitations, json={"role": "editor"})).json()
    assert (await ada.delete(f"{invitations}/{revoked['id']}")).status_code == 204
    assert (await bob.delete(f"{members}/{bob_user['id']}")).status_code == 204
    gone = await ada.request("DELETE", f"/api/v1/workspaces/{team['id']}", json={"confirm": "Team"})
    assert gone.status_code == 204
    assert (await bob.post("/api/v1/auth/logout")).status_code == 204
    user = f"/api/v1/admin/users/{bob_user['id']}"
    for change in ({"disabled": True}, {"disabled": False}, {"isAdmin": True}, {"isAdmin": False}):
        assert (await ada.patch(user, json=change)).is_success
    for policy in ("closed", "open"):
        assert (await ada.patch("/api/v1/admin/settings", json={"registration": policy})).is_success
    assert (await ada.put(f"{user}/budget", json={"monthlyUsd": 5})).is_success
    return secret, bob_user


async def _load_the_shipped_catalogue(app: FastAPI) -> None:
    """`promptpro models update` (from the server's shell), with the catalogue in effect."""
    text = (resources.files("promptpro.providers") / "catalogue.json").read_text()
    async with unit_of_work(app.state.session_factory) as session:
        await update_catalogue(Storage(session), text, force=True)


async def test_every_listed_action_is_recorded_without_secrets(
    ada: httpx.AsyncClient, new_client: ClientFactory, app: FastAPI
) -> None:
    secret, bob = await _do_everything(ada, new_client)
    await _load_the_shipped_catalogue(app)
    events = await _all_events(ada, ALL)
    assert {e["action"] for e in events} == {str(action) for action in Action}
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    failed = next(e for e in events if e["action"] == "auth.sign_in_failed")
    assert failed["actorId"] is None
    assert failed["objectId"] == bob["id"]
    assert failed["address"]
    disabled = next(e for e in events if e["action"] == "user.disabled")
    assert disabled["summary"] == "bob disabled by ada"
    # Nothing secret anywhere in the table (not just in what the API shows).
    async with app.state.session_factory() as session:
        rows = (await session.execute(sa.select(AuditEvent))).scalars().all()
    text = repr([(r.summary, r.object_id, r.object_type, r.action) for r in rows])
    for secret_text in (DEFAULT_PASSWORD, NEW_PASSWORD, "wrong password!", secret, PROVIDER_KEY):
        assert secret_text not in text
    assert "TOP SECRET" not in text and "Secret plan" not in text


async def test_each_user_sees_their_own_account_and_the_admin_sees_all(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    bob = await new_client()
    bob_user = (await register(bob, "bob"))["user"]
    await (await new_client()).post(
        "/api/v1/auth/login", json={"username": "bob", "password": "wrong password!"}
    )
    await (await new_client()).post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong password!"}
    )
    await create_token(ada)
    await ada.patch(f"/api/v1/admin/users/{bob_user['id']}", json={"isAdmin": True})
    await ada.patch(f"/api/v1/admin/users/{bob_user['id']}", json={"isAdmin": False})
    mine = await _all_events(bob, MINE)
    # bob's own: the failed sign-in on his account and what the admin did to it; not ada's
    assert [e["action"] for e in mine] == ["user.demoted", "user.promoted", "auth.sign_in_failed"]
    everyone = await _all_events(ada, ALL)
    assert "token.created" in {e["action"] for e in everyone}
    unknown = [e for e in everyone if e["summary"] == "Failed sign-in (unknown user)"]
    assert len(unknown) == 1 and unknown[0]["objectId"] is None
    assert (await bob.get(ALL)).status_code == 403
    assert (await (await new_client()).get(MINE)).status_code == 401


async def test_events_filter_by_action_and_time_and_page_by_keyset(
    ada: httpx.AsyncClient,
) -> None:
    for n in range(7):
        await create_token(ada, f"t{n}")
    created = await _all_events(ada, MINE, action="token.created")
    assert [e["summary"].split("(")[1] for e in created] == [f"t{n})" for n in range(6, -1, -1)]
    assert len({e["id"] for e in created}) == 7
    page = (await ada.get(MINE, params={"limit": 7, "action": "token.created"})).json()
    assert page["nextCursor"] is None
    past = (await ada.get(MINE, params={"before": "2000-01-01T00:00:00Z"})).json()
    assert past == {"items": [], "nextCursor": None}
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert len((await ada.get(MINE, params={"before": soon, "limit": 100})).json()["items"]) >= 7
    for params in (
        {"action": "token.eaten"},
        {"cursor": "not-a-cursor"},
        {"limit": 0},
        {"limit": 101},
        {"before": "yesterday"},
        {"before": "2026-01-01T00:00:00"},
    ):
        response = await ada.get(ALL, params=params)
        assert response.status_code == 422, params
        assert response.json()["type"].endswith("/problems/validation")


async def test_no_route_changes_or_deletes_an_event(app: FastAPI, ada: httpx.AsyncClient) -> None:
    paths = {p: ops for p, ops in app.openapi()["paths"].items() if "audit" in p}
    workspace = "/api/v1/workspaces/{workspace_id}/audit"
    assert set(paths) == {MINE, ALL, workspace}
    for path, operations in paths.items():
        assert set(operations) == {"get"}, path
    team = (await ada.get("/api/v1/workspaces")).json()[0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in (MINE, ALL, f"{ALL}/1", f"/api/v1/workspaces/{team}/audit"):
            response = await ada.request(method, path)
            assert response.status_code in (404, 405), (method, path)
