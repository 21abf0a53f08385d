"""Personal access tokens limited to one workspace and to reading.

A read-only token reads and is refused (403 `/problems/read-only-token`) every change. A
token limited to a workspace sees that workspace only: another one's objects are 404,
lists and search hold that workspace's, new objects go there, and it can't make its way
out (a new token, a new workspace, an invitation).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.support.auth import bearer

WORKSPACES = "/api/v1/workspaces"
PROMPTS = "/api/v1/prompts"


async def token(client: httpx.AsyncClient, **limits: Any) -> str:
    made = await client.post("/api/v1/tokens", json={"name": "script", **limits})
    assert made.status_code == 201, made.text
    secret: str = made.json()["token"]
    return secret


async def by_token(new_client: ClientFactory, secret: str) -> httpx.AsyncClient:
    client = await new_client()
    client.headers.update(bearer(secret))
    return client


async def prompt(client: httpx.AsyncClient, title: str, **fields: Any) -> int:
    made = await client.post(PROMPTS, json={"title": title, "content": "c", **fields})
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_a_token_lists_its_limits(ada: httpx.AsyncClient) -> None:
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    await token(ada, workspaceId=team, readOnly=True)
    await token(ada)
    listed = (await ada.get("/api/v1/tokens")).json()
    assert [(t["workspaceId"], t["readOnly"]) for t in listed] == [(None, False), (team, True)]


async def test_a_token_can_only_be_limited_to_a_workspace_of_its_owner(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    bobs = (await bob.post(WORKSPACES, json={"name": "Bob's"})).json()["id"]
    for workspace in (bobs, 99_999, 2**40):
        refused = await ada.post("/api/v1/tokens", json={"name": "t", "workspaceId": workspace})
        assert refused.status_code == 422, refused.text
    for bad in ({"readOnly": "yes"}, {"workspaceId": True}, {"workspaceId": 0}):
        assert (await ada.post("/api/v1/tokens", json={"name": "t", **bad})).status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", PROMPTS, {"title": "t", "content": "c"}),
        ("PATCH", f"{PROMPTS}/{{prompt}}", {"title": "Renamed"}),
        ("DELETE", f"{PROMPTS}/{{prompt}}", None),
        ("POST", f"{PROMPTS}/{{prompt}}/run", {"variables": {}}),
        ("POST", "/api/v1/tokens", {"name": "another"}),
        ("POST", WORKSPACES, {"name": "New"}),
        ("PUT", "/api/v1/keys/openai", {"key": "sk-0123456789abcdef0123"}),
    ],
)
async def test_a_read_only_token_reads_and_is_refused_every_change(
    method: str,
    path: str,
    body: dict[str, Any] | None,
    ada: httpx.AsyncClient,
    new_client: ClientFactory,
) -> None:
    mine = await prompt(ada, "Mine")
    reader = await by_token(new_client, await token(ada, readOnly=True))
    before = (await ada.get(PROMPTS)).json()

    response = await reader.request(method, path.format(prompt=mine), json=body)

    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/read-only-token"
    assert "read-only" in response.json()["detail"]
    assert (await ada.get(PROMPTS)).json() == before
    assert (await reader.get(f"{PROMPTS}/{mine}")).status_code == 200
    assert (await reader.get(PROMPTS)).json()["items"][0]["id"] == mine


async def test_a_workspace_token_sees_that_workspace_only(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    personal = await prompt(ada, "Personal needle")
    shared = await prompt(ada, "Team needle", workspaceId=team)
    limited = await by_token(new_client, await token(ada, workspaceId=team))

    assert [w["id"] for w in (await limited.get(WORKSPACES)).json()] == [team]
    assert [p["id"] for p in (await limited.get(PROMPTS)).json()["items"]] == [shared]
    assert (await limited.get(f"{PROMPTS}/{shared}")).status_code == 200
    for path in (
        f"{PROMPTS}/{personal}",
        f"{PROMPTS}/{personal}/versions",
        f"{PROMPTS}/{personal}/responses",
    ):
        assert (await limited.get(path)).status_code == 404, path
    patched = await limited.patch(f"{PROMPTS}/{personal}", json={"title": "x"})
    assert patched.status_code == 404
    run = await limited.post(f"{PROMPTS}/{personal}/run", json={"variables": {}})
    assert run.status_code == 404
    personal_workspace = (await ada.get(WORKSPACES)).json()[0]["id"]
    assert (await limited.get(f"{WORKSPACES}/{personal_workspace}")).status_code == 404
    found = (await limited.get("/api/v1/search", params={"q": "needle"})).json()
    assert {hit["promptId"] for hit in found["items"]} == {shared}


async def test_a_workspace_token_makes_its_objects_there_and_nowhere_else(
    ada: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    personal_workspace = (await ada.get(WORKSPACES)).json()[0]["id"]
    limited = await by_token(new_client, await token(ada, workspaceId=team))

    made = await limited.post(PROMPTS, json={"title": "t", "content": "c"})
    elsewhere = await limited.post(
        PROMPTS, json={"title": "t", "content": "c", "workspaceId": personal_workspace}
    )
    category = await limited.post(
        "/api/v1/categories", json={"name": "c", "workspaceId": personal_workspace}
    )

    assert made.status_code == 201 and made.json()["workspaceId"] == team
    assert elsewhere.status_code == 422
    assert category.status_code == 422
    assert (await limited.post(WORKSPACES, json={"name": "Out"})).status_code == 403
    # A token it makes is as limited as itself.
    inner = await limited.post("/api/v1/tokens", json={"name": "inner"})
    assert inner.status_code == 201 and inner.json()["workspaceId"] == team
    escape = await limited.post(
        "/api/v1/tokens", json={"name": "escape", "workspaceId": personal_workspace}
    )
    assert escape.status_code == 422


async def test_a_workspace_token_can_not_join_another_workspace(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    bobs = (await bob.post(WORKSPACES, json={"name": "Bob's"})).json()["id"]
    invitation = (
        await bob.post(f"{WORKSPACES}/{bobs}/invitations", json={"role": "viewer"})
    ).json()
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    limited = await by_token(new_client, await token(ada, workspaceId=team))

    refused = await limited.post(f"/api/v1/invitations/{invitation['token']}/accept")

    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/workspace-limited-token"
    assert len((await ada.get(WORKSPACES)).json()) == 2
