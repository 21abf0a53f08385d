"""Workspaces: personal ones, team ones, members and roles, and who sees what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.support.auth import register

WORKSPACES = "/api/v1/workspaces"
PROMPTS = "/api/v1/prompts"


async def me(client: httpx.AsyncClient) -> str:
    return str((await client.get("/api/v1/me")).json()["id"])


async def team_with(
    owner: httpx.AsyncClient, members: dict[str, str], name: str = "Team"
) -> dict[str, Any]:
    """A team workspace of `owner` with the users named in `members` at their roles."""
    created = await owner.post(WORKSPACES, json={"name": name})
    assert created.status_code == 201, created.text
    team: dict[str, Any] = created.json()
    for username, role in members.items():
        added = await owner.post(
            f"{WORKSPACES}/{team['id']}/members", json={"username": username, "role": role}
        )
        assert added.status_code == 201, added.text
    return team


@pytest.fixture
async def carol(new_client: ClientFactory) -> httpx.AsyncClient:
    """A third user, in no workspace but her own."""
    client = await new_client()
    await register(client, "carol")
    return client


async def test_a_new_user_has_a_personal_workspace_where_new_things_go(
    ada: httpx.AsyncClient,
) -> None:
    [personal] = (await ada.get(WORKSPACES)).json()
    assert (personal["name"], personal["personal"], personal["role"]) == (
        "Personal",
        True,
        "owner",
    )
    prompt = (await ada.post(PROMPTS, json={"title": "T", "content": "C"})).json()
    category = (await ada.post("/api/v1/categories", json={"name": "Work"})).json()
    assert prompt["workspaceId"] == category["workspaceId"] == personal["id"]
    # The personal workspace can't be deleted or shared, and its last owner can't leave.
    gone = await ada.request(
        "DELETE", f"{WORKSPACES}/{personal['id']}", json={"confirm": "Personal"}
    )
    assert gone.status_code == 409


async def test_a_viewer_reads_but_cannot_write_or_run(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "viewer"})
    prompt = (
        await ada.post(PROMPTS, json={"title": "Shared", "content": "C", "workspaceId": team["id"]})
    ).json()
    assert prompt["workspaceId"] == team["id"]
    url = f"{PROMPTS}/{prompt['id']}"
    assert (await bob.get(url)).status_code == 200
    assert (await bob.get(f"{url}/versions")).status_code == 200
    listed = (await bob.get(PROMPTS, params={"workspaceId": team["id"]})).json()["items"]
    assert [p["id"] for p in listed] == [prompt["id"]]
    # Lists show the personal workspace by default.
    assert (await bob.get(PROMPTS)).json()["items"] == []

    for response in (
        await bob.patch(url, json={"title": "Mine"}),
        await bob.delete(url),
        await bob.post(f"{url}/run", json={"variables": {}}),
        await bob.post(PROMPTS, json={"title": "x", "content": "y", "workspaceId": team["id"]}),
        await bob.post("/api/v1/categories", json={"name": "x", "workspaceId": team["id"]}),
    ):
        assert response.status_code == 403, response.text
        problem = response.json()
        assert problem["type"] == "/problems/role-required"
        assert "editor role" in problem["detail"]
    assert (await ada.get(url)).json()["title"] == "Shared"


async def test_an_editor_writes_but_cannot_raise_their_role_or_remove_an_owner(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    ada_id, bob_id = await me(ada), await me(bob)
    members = f"{WORKSPACES}/{team['id']}/members"
    made = await bob.post(PROMPTS, json={"title": "B", "content": "C", "workspaceId": team["id"]})
    assert made.status_code == 201
    assert (await bob.patch(f"{PROMPTS}/{made.json()['id']}", json={"title": "B2"})).is_success
    raised = await bob.patch(f"{members}/{bob_id}", json={"role": "admin"})
    assert raised.status_code == 403
    assert "admin role" in raised.json()["detail"]
    assert (await bob.delete(f"{members}/{ada_id}")).status_code == 403
    roles = {m["username"]: m["role"] for m in (await bob.get(members)).json()}
    assert roles == {"ada": "owner", "bob": "editor"}
    # A member may leave.
    assert (await bob.delete(f"{members}/{bob_id}")).status_code == 204
    assert (await bob.get(f"{WORKSPACES}/{team['id']}")).status_code == 404


async def test_an_admin_manages_members_but_not_owners(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, carol: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "admin"})
    members = f"{WORKSPACES}/{team['id']}/members"
    added = await bob.post(members, json={"username": "carol", "role": "viewer"})
    assert added.status_code == 201
    carol_id = added.json()["userId"]
    assert (await bob.patch(f"{members}/{carol_id}", json={"role": "editor"})).is_success
    assert (await bob.patch(f"{members}/{carol_id}", json={"role": "owner"})).status_code == 403
    assert (await bob.delete(f"{members}/{await me(ada)}")).status_code == 403
    renamed = await bob.patch(f"{WORKSPACES}/{team['id']}", json={"name": "Crew"})
    assert renamed.json()["name"] == "Crew"
    refused = await bob.request("DELETE", f"{WORKSPACES}/{team['id']}", json={"confirm": "Crew"})
    assert refused.status_code == 403
    assert (await bob.delete(f"{members}/{carol_id}")).status_code == 204
    dup = await bob.post(members, json={"username": "bob", "role": "viewer"})
    assert dup.status_code == 409
    nobody = await bob.post(members, json={"username": "nobody", "role": "viewer"})
    assert nobody.status_code == 422


async def test_the_last_owner_stays_and_ownership_can_be_handed_over(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    ada_id, bob_id = await me(ada), await me(bob)
    members = f"{WORKSPACES}/{team['id']}/members"
    for response in (
        await ada.patch(f"{members}/{ada_id}", json={"role": "admin"}),
        await ada.delete(f"{members}/{ada_id}"),
    ):
        assert response.status_code == 409
        assert "at least one owner" in response.json()["detail"]
    moved = await ada.post(f"{WORKSPACES}/{team['id']}/transfer", json={"userId": bob_id})
    assert moved.status_code == 200 and moved.json()["role"] == "admin"
    roles = {m["username"]: m["role"] for m in (await ada.get(members)).json()}
    assert roles == {"ada": "admin", "bob": "owner"}
    # Now ada may leave; bob, the one owner, may not.
    assert (await bob.delete(f"{members}/{bob_id}")).status_code == 409
    assert (await ada.delete(f"{members}/{ada_id}")).status_code == 204


async def test_deleting_a_workspace_needs_its_exact_name_and_takes_everything(
    ada: httpx.AsyncClient,
) -> None:
    team = await team_with(ada, {}, name="Launch")
    url = f"{WORKSPACES}/{team['id']}"
    prompt = (
        await ada.post(PROMPTS, json={"title": "T", "content": "C", "workspaceId": team["id"]})
    ).json()
    for confirm in ("launch", "Launch ", ""):
        wrong = await ada.request("DELETE", url, json={"confirm": confirm})
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "confirm"
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).status_code == 200
    assert (await ada.request("DELETE", url, json={"confirm": "Launch"})).status_code == 204
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).status_code == 404
    assert (await ada.get(url)).status_code == 404


async def test_a_non_member_finds_nothing_of_a_workspace(
    ada: httpx.AsyncClient, carol: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    prompt = (
        await ada.post(
            PROMPTS,
            json={"title": "Zanzibar plan", "content": "quokka", "workspaceId": team["id"]},
        )
    ).json()
    category = (
        await ada.post("/api/v1/categories", json={"name": "Ops", "workspaceId": team["id"]})
    ).json()
    url = f"{PROMPTS}/{prompt['id']}"
    ws = f"{WORKSPACES}/{team['id']}"
    carol_id = await me(carol)
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"title": "x"}),
        ("DELETE", url, None),
        ("GET", f"{url}/versions", None),
        ("GET", f"{url}/responses", None),
        ("POST", f"{url}/run", {"variables": {}}),
        ("GET", f"{url}/draft", None),
        ("PUT", f"{url}/favourite", None),
        ("GET", f"/api/v1/categories/{category['id']}", None),
        ("PATCH", f"/api/v1/categories/{category['id']}", {"name": "x"}),
        ("DELETE", f"/api/v1/categories/{category['id']}", None),
        ("GET", ws, None),
        ("PATCH", ws, {"name": "x"}),
        ("DELETE", ws, {"confirm": "Team"}),
        ("POST", f"{ws}/transfer", {"userId": carol_id}),
        ("GET", f"{ws}/members", None),
        ("POST", f"{ws}/members", {"username": "carol", "role": "owner"}),
        ("DELETE", f"{ws}/members/{carol_id}", None),
    ):
        response = await carol.request(method, path, json=body)
        assert response.status_code in (404, 405), (method, path, response.status_code)
        if response.status_code == 405:
            continue
    assert (await carol.get(PROMPTS, params={"workspaceId": team["id"]})).json()["items"] == []
    categories = await carol.get("/api/v1/categories", params={"workspaceId": team["id"]})
    assert categories.json() == []
    found = (await carol.get("/api/v1/search", params={"q": "quokka"})).json()
    assert found["items"] == []
    assert (await ada.get("/api/v1/search", params={"q": "quokka"})).json()["items"]
    made = await carol.post(PROMPTS, json={"title": "x", "content": "y", "workspaceId": team["id"]})
    assert made.status_code == 422
    assert made.json()["errors"][0]["field"] == "workspaceId"


async def test_category_names_are_unique_per_workspace(ada: httpx.AsyncClient) -> None:
    team = await team_with(ada, {})
    categories = "/api/v1/categories"
    assert (await ada.post(categories, json={"name": "Work"})).status_code == 201
    assert (
        await ada.post(categories, json={"name": "Work", "workspaceId": team["id"]})
    ).status_code == 201
    again = await ada.post(categories, json={"name": "WORK", "workspaceId": team["id"]})
    assert again.status_code == 409
    listed = (await ada.get(categories, params={"workspaceId": team["id"]})).json()
    assert [c["name"] for c in listed] == ["Work"]
    # A prompt's category must be one of its own workspace's.
    personal_category = (await ada.get(categories)).json()[0]["id"]
    crossed = await ada.post(
        PROMPTS,
        json={
            "title": "T",
            "content": "C",
            "workspaceId": team["id"],
            "categoryId": personal_category,
        },
    )
    assert crossed.status_code == 422


async def test_a_workspaces_audit_log_is_for_its_admins_and_owners(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, carol: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "admin", "carol": "editor"})
    other = await team_with(ada, {}, name="Other")
    ws = f"{WORKSPACES}/{team['id']}/audit"
    events = await ada.get(ws)
    assert events.status_code == 200
    actions = [event["action"] for event in events.json()["items"]]
    assert actions == [
        "workspace.member_added",
        "workspace.member_added",
        "workspace.created",
    ]
    assert (await bob.get(ws)).status_code == 200
    refused = await carol.get(ws)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/role-required"
    assert (await carol.get(f"{WORKSPACES}/{other['id']}/audit")).status_code == 404
    filtered = await ada.get(ws, params={"action": "workspace.created", "limit": 1})
    assert [e["action"] for e in filtered.json()["items"]] == ["workspace.created"]
    first = (await ada.get(ws, params={"limit": 2})).json()
    rest = (await ada.get(ws, params={"limit": 2, "cursor": first["nextCursor"]})).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["nextCursor"] is None
    assert (await ada.get(ws, params={"action": "nonsense"})).status_code == 422
    naive = await ada.get(ws, params={"before": "2026-01-01T00:00:00"})
    assert naive.status_code == 422


async def test_search_narrows_to_one_workspace(
    ada: httpx.AsyncClient, carol: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {})
    await ada.post(
        PROMPTS, json={"title": "Team quokka", "content": "x", "workspaceId": team["id"]}
    )
    await ada.post(PROMPTS, json={"title": "Own quokka", "content": "x"})
    everywhere = (await ada.get("/api/v1/search", params={"q": "quokka"})).json()["items"]
    assert sorted(hit["title"] for hit in everywhere) == ["Own quokka", "Team quokka"]
    narrowed = await ada.get("/api/v1/search", params={"q": "quokka", "workspaceId": team["id"]})
    assert [hit["title"] for hit in narrowed.json()["items"]] == ["Team quokka"]
    theirs = await carol.get("/api/v1/search", params={"q": "quokka", "workspaceId": team["id"]})
    assert theirs.json()["items"] == []
    bad = await ada.get("/api/v1/search", params={"q": "quokka", "workspaceId": 0})
    assert bad.status_code == 422
