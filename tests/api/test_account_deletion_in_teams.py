"""Deleting an account keeps what it wrote in team workspaces, and never leaves a team with
members but no owner."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from promptpro.storage.users import DELETED_USER_ID
from tests.support.auth import DEFAULT_PASSWORD

WORKSPACES = "/api/v1/workspaces"


async def me(client: httpx.AsyncClient) -> str:
    return str((await client.get("/api/v1/me")).json()["id"])


async def delete_account(client: httpx.AsyncClient) -> httpx.Response:
    return await client.request("DELETE", "/api/v1/me", json={"password": DEFAULT_PASSWORD})


async def team_with(owner: httpx.AsyncClient, members: dict[str, str], name: str = "Team") -> int:
    team = (await owner.post(WORKSPACES, json={"name": name})).json()["id"]
    for username, role in members.items():
        added = await owner.post(
            f"{WORKSPACES}/{team}/members", json={"username": username, "role": role}
        )
        assert added.status_code == 201, added.text
    return int(team)


async def authored_in(app: FastAPI, client: httpx.AsyncClient, team: int) -> dict[str, Any]:
    """A category, a prompt (two versions) and a response `client` made in `team`."""
    category = (
        await client.post("/api/v1/categories", json={"name": "Bobs", "workspaceId": team})
    ).json()
    prompt = (
        await client.post(
            "/api/v1/prompts",
            json={
                "title": "By bob",
                "content": "v1",
                "workspaceId": team,
                "categoryId": category["id"],
            },
        )
    ).json()
    await client.patch(f"/api/v1/prompts/{prompt['id']}", json={"content": "v2"})
    async with unit_of_work(app.state.session_factory) as session:
        response = await Storage(session).create_response(
            await me(client), prompt["id"], ResponseCreate(model="openai/gpt-4o-mini", content="a")
        )
    return {"category": category["id"], "prompt": prompt["id"], "response": response.id}


async def test_a_deleted_members_team_content_stays_with_the_team(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    made = await authored_in(app, bob, team)
    personal = (await bob.post("/api/v1/prompts", json={"title": "Mine", "content": "c"})).json()

    assert (await delete_account(bob)).status_code == 204

    assert (await ada.get(f"/api/v1/categories/{made['category']}")).status_code == 200
    prompt = await ada.get(f"/api/v1/prompts/{made['prompt']}")
    assert prompt.status_code == 200
    assert prompt.json()["categoryId"] == made["category"]
    versions = (await ada.get(f"/api/v1/prompts/{made['prompt']}/versions")).json()
    assert [v["content"] for v in versions] == ["v2", "v1"]
    response = await ada.get(f"/api/v1/responses/{made['response']}")
    assert response.status_code == 200
    members = (await ada.get(f"{WORKSPACES}/{team}/members")).json()
    assert [m["username"] for m in members] == ["ada"]
    # The team's rows now name the deleted-user placeholder as their author; the account
    # and its personal library are gone.
    async with unit_of_work(app.state.session_factory) as session:
        storage = Storage(session)
        assert (await storage.get_prompt(await me(ada), made["prompt"])).user_id == DELETED_USER_ID  # type: ignore[union-attr]
        assert await storage.get_user_by_username("bob") is None
        placeholder = await storage.get_user(DELETED_USER_ID)
        assert placeholder is not None and placeholder.disabled and not placeholder.is_admin
    assert (await ada.get(f"/api/v1/prompts/{personal['id']}")).status_code == 404


async def test_the_only_owner_of_a_team_with_members_is_refused_with_the_way_out(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "admin"}, name="Crew")
    made = await authored_in(app, ada, team)

    refused = await delete_account(ada)

    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert "only owner" in problem["detail"]
    assert "Crew" in problem["detail"]
    assert "transfer" in problem["detail"].lower()
    assert (await ada.get("/api/v1/me")).status_code == 200  # nothing happened
    assert (await bob.get(f"/api/v1/prompts/{made['prompt']}")).status_code == 200

    # Handing it over first makes the deletion possible, and the team keeps its content.
    bob_id = await me(bob)
    assert (
        await ada.post(f"{WORKSPACES}/{team}/transfer", json={"userId": bob_id})
    ).status_code == 200
    assert (await delete_account(ada)).status_code == 204
    assert (await bob.get(f"/api/v1/prompts/{made['prompt']}")).status_code == 200
    assert [m["role"] for m in (await bob.get(f"{WORKSPACES}/{team}/members")).json()] == ["owner"]


async def test_one_of_several_owners_may_leave_by_deleting_their_account(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "owner"})
    made = await authored_in(app, ada, team)
    assert (await delete_account(ada)).status_code == 204
    assert (await bob.get(f"/api/v1/prompts/{made['prompt']}")).status_code == 200


async def test_a_team_nobody_else_is_in_goes_with_the_account(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    solo = await team_with(ada, {}, name="Solo")
    made = await authored_in(app, ada, solo)
    assert (await delete_account(ada)).status_code == 204
    async with unit_of_work(app.state.session_factory) as session:
        storage = Storage(session)
        assert await storage.get_prompt(DELETED_USER_ID, made["prompt"]) is None
        from promptpro.db.models import Prompt, Workspace

        assert await session.get(Workspace, solo) is None
        assert await session.get(Prompt, made["prompt"]) is None


async def test_the_placeholder_is_no_account_anyone_can_use(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient, new_client: Any
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    await authored_in(app, bob, team)
    assert (await delete_account(bob)).status_code == 204
    # Not listed to the instance admin (ada, the first account), not addable as a member,
    # and a second deletion reuses it.
    listed = (await ada.get("/api/v1/admin/users")).json()["items"]
    assert DELETED_USER_ID not in [u["id"] for u in listed]
    assert (
        await ada.patch(f"/api/v1/admin/users/{DELETED_USER_ID}", json={"disabled": False})
    ).status_code == 404
    from promptpro.storage.users import DELETED_USERNAME

    added = await ada.post(
        f"{WORKSPACES}/{team}/members", json={"username": DELETED_USERNAME, "role": "viewer"}
    )
    assert added.status_code == 422
    cy = await new_client()
    from tests.support.auth import register

    await register(cy, "cyd")
    await ada.post(f"{WORKSPACES}/{team}/members", json={"username": "cyd", "role": "editor"})
    await cy.post("/api/v1/prompts", json={"title": "c", "content": "c", "workspaceId": team})
    assert (await delete_account(cy)).status_code == 204
    prompts = (await ada.get("/api/v1/prompts", params={"workspaceId": team})).json()["items"]
    assert len(prompts) == 2


@pytest.mark.parametrize("path", ["/settings/account/delete"])
async def test_the_account_page_shows_why_it_was_refused(
    path: str, ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    await team_with(ada, {"bob": "viewer"}, name="Crew")
    csrf = ada.headers["X-CSRF-Token"]
    page = await ada.post(
        path, data={"csrf_token": csrf, "confirm": "ada", "password": DEFAULT_PASSWORD}
    )
    assert page.status_code == 409
    assert "only owner" in page.text
    assert "Crew" in page.text
    assert (await ada.get("/api/v1/me")).status_code == 200
