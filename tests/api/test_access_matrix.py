"""Who may do what: every library endpoint x {anonymous, another user, owner} x {cookie, bearer},
and x {viewer, editor} of a team workspace.

Anonymous is 401; another user's object is 404 (never 403) and left unchanged; the owner
succeeds. Lists never show another user's objects. A viewer reads and is refused (403)
every change; an editor succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.conftest import ClientFactory
from tests.support.auth import bearer, create_token, register


@dataclass(frozen=True)
class Endpoint:
    """One endpoint, with a valid body; `owned` when its path names one of the owner's objects."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    owned: bool = True
    success: int = 200

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("GET", "/api/v1/categories", owned=False),
    Endpoint("POST", "/api/v1/categories", {"name": "New"}, owned=False, success=201),
    Endpoint("GET", "/api/v1/categories/{category}"),
    Endpoint("PATCH", "/api/v1/categories/{category}", {"name": "Renamed"}),
    Endpoint("DELETE", "/api/v1/categories/{category}", success=204),
    Endpoint("GET", "/api/v1/prompts", owned=False),
    Endpoint("POST", "/api/v1/prompts", {"title": "New", "content": "c"}, owned=False, success=201),
    Endpoint("GET", "/api/v1/prompts/{prompt}"),
    Endpoint("PATCH", "/api/v1/prompts/{prompt}", {"title": "Renamed"}),
    Endpoint("DELETE", "/api/v1/prompts/{prompt}", success=204),
    Endpoint("GET", "/api/v1/prompts/{prompt}/versions"),
    Endpoint("GET", "/api/v1/prompts/{prompt}/responses"),
    Endpoint("GET", "/api/v1/responses/{response}"),
    Endpoint("DELETE", "/api/v1/responses/{response}", success=204),
    Endpoint("PUT", "/api/v1/responses/{response}/rating", {"value": 1, "note": "n"}),
    Endpoint("GET", "/api/v1/responses/{response}/events"),
    Endpoint("GET", "/api/v1/prompts/{prompt}/inputs"),
    Endpoint("PUT", "/api/v1/prompts/{prompt}/draft", {"title": "t", "content": "c"}),
    Endpoint("DELETE", "/api/v1/prompts/{prompt}/draft", success=204),
    Endpoint("GET", "/api/v1/prompts/{prompt}/labels"),
    Endpoint("PUT", "/api/v1/prompts/{prompt}/labels/staging", {"version": 1}),
    Endpoint("GET", "/api/v1/prompts/{prompt}/labels/staging/history"),
    Endpoint("POST", "/api/v1/prompts/{prompt}/versions/1/restore", {}, success=201),
    Endpoint(
        "POST",
        "/api/v1/prompts/{prompt}/change-requests",
        {"label": "production", "version": 1},
        success=201,
    ),
    Endpoint("GET", "/api/v1/prompts/{prompt}/change-requests"),
]
UNSAFE = [endpoint for endpoint in ENDPOINTS if endpoint.method != "GET"]


@dataclass(frozen=True)
class Library:
    """The owner's objects the endpoints are called on."""

    category: int
    prompt: int
    response: int

    def url(self, endpoint: Endpoint) -> str:
        return endpoint.path.format(
            category=self.category, prompt=self.prompt, response=self.response
        )


@pytest.fixture
async def library(app: FastAPI, ada: httpx.AsyncClient) -> Library:
    """Ada's category, a prompt filed in it, and a response to that prompt."""
    category = (await ada.post("/api/v1/categories", json={"name": "Mine"})).json()["id"]
    prompt = (
        await ada.post(
            "/api/v1/prompts", json={"title": "Mine", "content": "c", "categoryId": category}
        )
    ).json()["id"]
    owner_id = (await ada.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        stored = await Storage(session).create_response(
            owner_id, prompt, ResponseCreate(model="openai/gpt-4o-mini", content="answer")
        )
        response = stored.id
    return Library(category, prompt, response)


async def snapshot(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything the owner can see of their library."""
    return [
        (await owner.get("/api/v1/categories")).json(),
        (await owner.get("/api/v1/prompts")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/versions")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/responses")).json(),
    ]


async def acting_client(
    actor: str,
    credentials: str,
    owner: httpx.AsyncClient,
    new_client: ClientFactory,
) -> httpx.AsyncClient:
    """A client acting as `actor` by session cookie (with its CSRF header) or bearer token."""
    if actor == "owner":
        person = owner
    elif actor == "stranger":
        person = await new_client()
        await register(person, "bob")
    else:
        anonymous = await new_client()
        if credentials == "bearer":
            anonymous.headers.update(bearer("pp_no-such-token"))
        return anonymous
    if credentials == "cookie":
        return person
    by_token = await new_client()
    by_token.headers.update(bearer(await create_token(person)))
    return by_token


@pytest.mark.parametrize("credentials", ["cookie", "bearer"])
@pytest.mark.parametrize("actor", ["anonymous", "stranger", "owner"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access(
    endpoint: Endpoint,
    actor: str,
    credentials: str,
    ada: httpx.AsyncClient,
    library: Library,
    new_client: ClientFactory,
) -> None:
    client = await acting_client(actor, credentials, ada, new_client)
    before = await snapshot(ada, library)

    response = await client.request(endpoint.method, library.url(endpoint), json=endpoint.body)

    if actor == "anonymous":
        assert response.status_code == 401, response.text
    elif actor == "stranger" and endpoint.owned:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == endpoint.success, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    if actor != "owner":
        assert await snapshot(ada, library) == before
        assert "Mine" not in response.text


@pytest.mark.parametrize("endpoint", UNSAFE, ids=str)
async def test_a_cookie_change_without_the_csrf_header_is_refused_and_changes_nothing(
    endpoint: Endpoint, ada: httpx.AsyncClient, library: Library
) -> None:
    before = await snapshot(ada, library)
    token = ada.headers.pop("X-CSRF-Token")
    response = await ada.request(endpoint.method, library.url(endpoint), json=endpoint.body)
    ada.headers["X-CSRF-Token"] = token
    assert response.status_code == 403
    assert await snapshot(ada, library) == before


async def test_lists_show_only_the_callers_own_objects(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, library: Library
) -> None:
    bobs_category = (await bob.post("/api/v1/categories", json={"name": "Bob's"})).json()
    await bob.post(
        "/api/v1/prompts",
        json={"title": "Bob's", "content": "c", "categoryId": bobs_category["id"]},
    )
    assert [c["name"] for c in (await ada.get("/api/v1/categories")).json()] == ["Mine"]
    assert [c["name"] for c in (await bob.get("/api/v1/categories")).json()] == ["Bob's"]
    ada_prompts = (await ada.get("/api/v1/prompts")).json()["items"]
    bob_prompts = (await bob.get("/api/v1/prompts")).json()["items"]
    assert [p["title"] for p in ada_prompts] == ["Mine"]
    assert [p["title"] for p in bob_prompts] == ["Bob's"]
    filtered = await bob.get("/api/v1/prompts", params={"categoryId": library.category})
    assert filtered.json()["items"] == []
    searched = await bob.get("/api/v1/prompts", params={"q": "Mine"})
    assert searched.json()["items"] == []


async def test_a_stranger_may_not_file_a_prompt_in_the_owners_category(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, library: Library
) -> None:
    response = await bob.post(
        "/api/v1/prompts", json={"title": "t", "content": "c", "categoryId": library.category}
    )
    assert response.status_code == 422
    assert (await bob.get("/api/v1/prompts")).json()["items"] == []


# The role axis: the same endpoints on a team workspace's objects, called by a member.
# A viewer reads; every change is 403 (role-required) and changes nothing. Creating without
# a workspaceId goes to the caller's personal workspace, and a draft is the caller's own.
def viewer_may(endpoint: Endpoint) -> bool:
    if endpoint.method == "GET":
        return True
    if endpoint.path.endswith("/draft") and endpoint.method == "DELETE":
        return True
    return not endpoint.owned


@pytest.fixture
async def team_library(app: FastAPI, ada: httpx.AsyncClient) -> Library:
    """Ada's team workspace with a category, a prompt filed in it and a response to it."""
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    category = (
        await ada.post("/api/v1/categories", json={"name": "Mine", "workspaceId": team})
    ).json()["id"]
    prompt = (
        await ada.post(
            "/api/v1/prompts",
            json={"title": "Mine", "content": "c", "categoryId": category, "workspaceId": team},
        )
    ).json()["id"]
    owner_id = (await ada.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        stored = await Storage(session).create_response(
            owner_id, prompt, ResponseCreate(model="openai/gpt-4o-mini", content="answer")
        )
    return Library(category, prompt, stored.id)


async def team_snapshot(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything of the team library an endpoint could change."""
    return [
        (await owner.get(f"/api/v1/categories/{library.category}")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/versions")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/responses")).json(),
    ]


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access_by_role(
    endpoint: Endpoint,
    role: str,
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    team_library: Library,
) -> None:
    team = (await ada.get(f"/api/v1/prompts/{team_library.prompt}")).json()["workspaceId"]
    added = await ada.post(
        f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": role}
    )
    assert added.status_code == 201
    before = await team_snapshot(ada, team_library)

    response = await bob.request(endpoint.method, team_library.url(endpoint), json=endpoint.body)

    if role == "editor" or viewer_may(endpoint):
        assert response.status_code == endpoint.success, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/role-required"
        assert await team_snapshot(ada, team_library) == before
