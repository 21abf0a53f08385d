"""Who may do what: every library endpoint x {anonymous, another user, owner} x {cookie,
bearer, read-only bearer}, and x {viewer, editor} of a team workspace; every workspace
management endpoint x {anonymous, non-member, viewer, editor, admin, owner} x the same
three ways to authenticate.

Anonymous is 401; another user's object is 404 (never 403) and left unchanged; the owner
succeeds. Lists never show another user's objects. A viewer reads and is refused (403)
every change; an editor succeeds. A read-only token reads as its user would, and every
change it asks for is 403 `/problems/read-only-token`, whoever it belongs to.
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

BASE_URL = "https://llm.example.com/v1"  # never called: only its form is checked


@dataclass(frozen=True)
class Endpoint:
    """One endpoint, with a valid body; `owned` when its path names one of the owner's objects."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    owned: bool = True
    success: int = 200
    admin_only: bool = False  # a change only workspace admins (and owners) may make

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
    Endpoint("GET", "/api/v1/test-sets", owned=False),
    Endpoint("POST", "/api/v1/test-sets", {"name": "New"}, owned=False, success=201),
    Endpoint("GET", "/api/v1/test-sets/{test_set}"),
    Endpoint("PATCH", "/api/v1/test-sets/{test_set}", {"name": "Renamed"}),
    Endpoint("DELETE", "/api/v1/test-sets/{test_set}", success=204),
    Endpoint("GET", "/api/v1/test-sets/{test_set}/rows"),
    Endpoint("POST", "/api/v1/test-sets/{test_set}/rows", {"variables": {"a": "1"}}, success=201),
    Endpoint(
        "POST",
        "/api/v1/test-sets/{test_set}/rows/from-response",
        {"responseId": "{response}"},
        success=201,
    ),
    Endpoint("PATCH", "/api/v1/test-sets/{test_set}/rows/{row}", {"expected": "x"}),
    Endpoint("DELETE", "/api/v1/test-sets/{test_set}/rows/{row}", success=204),
    # JSON Lines: the JSON body is one line holding one row.
    Endpoint("POST", "/api/v1/test-sets/{test_set}/import?format=jsonl", {"variables": {"a": "1"}}),
    Endpoint("GET", "/api/v1/test-sets/{test_set}/export?format=csv"),
    Endpoint("POST", "/api/v1/prompts/{prompt}/estimate", {"model": "openai/gpt-4o-mini"}),
    Endpoint("GET", "/api/v1/usage", owned=False),
    Endpoint("GET", "/api/v1/endpoints", owned=False),
    Endpoint("POST", "/api/v1/endpoints", {"name": "new", "baseUrl": BASE_URL}, False, 201),
    Endpoint("GET", "/api/v1/endpoints/{endpoint}"),
    Endpoint("PATCH", "/api/v1/endpoints/{endpoint}", {"models": [{"name": "m"}]}, admin_only=True),
    Endpoint("DELETE", "/api/v1/endpoints/{endpoint}", success=204, admin_only=True),
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
    test_set: int
    row: int
    endpoint: int

    def url(self, endpoint: Endpoint) -> str:
        return endpoint.path.format(
            category=self.category,
            prompt=self.prompt,
            response=self.response,
            test_set=self.test_set,
            row=self.row,
            endpoint=self.endpoint,
        )

    def body(self, endpoint: Endpoint) -> dict[str, Any] | None:
        """The endpoint's body, "{response}" replaced by the response's id."""
        if endpoint.body is None:
            return None
        return {k: self.response if v == "{response}" else v for k, v in endpoint.body.items()}


async def add_test_set(client: httpx.AsyncClient, workspace: int | None = None) -> tuple[int, int]:
    """A test set called "Mine" with one row (in the workspace; None: the personal one)."""
    body: dict[str, Any] = {"name": "Mine"}
    if workspace is not None:
        body["workspaceId"] = workspace
    test_set = (await client.post("/api/v1/test-sets", json=body)).json()["id"]
    row = await client.post(f"/api/v1/test-sets/{test_set}/rows", json={"variables": {"a": "1"}})
    return test_set, row.json()["id"]


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
    own = await ada.post("/api/v1/endpoints", json={"name": "mine", "baseUrl": BASE_URL})
    return Library(category, prompt, response, *await add_test_set(ada), own.json()["id"])


async def snapshot(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything the owner can see of their library."""
    return [
        (await owner.get("/api/v1/categories")).json(),
        (await owner.get("/api/v1/prompts")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/versions")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/responses")).json(),
        (await owner.get("/api/v1/test-sets")).json(),
        (await owner.get(f"/api/v1/test-sets/{library.test_set}/rows")).json(),
        (await owner.get("/api/v1/endpoints")).json(),
    ]


CREDENTIALS = ["cookie", "bearer", "read-only"]


async def acting_client(
    actor: str,
    credentials: str,
    owner: httpx.AsyncClient,
    new_client: ClientFactory,
) -> httpx.AsyncClient:
    """A client acting as `actor` by session cookie (with its CSRF header), bearer token or
    read-only bearer token."""
    if actor == "owner":
        person = owner
    elif actor == "stranger":
        person = await new_client()
        await register(person, "bob")
    else:
        anonymous = await new_client()
        if credentials != "cookie":
            anonymous.headers.update(bearer("pp_no-such-token"))
        return anonymous
    if credentials == "cookie":
        return person
    return await token_client(person, credentials, new_client)


async def token_client(
    person: httpx.AsyncClient, credentials: str, new_client: ClientFactory
) -> httpx.AsyncClient:
    """`person` itself (cookie), or a client with a new (read-only) token of theirs."""
    if credentials == "cookie":
        return person
    made = await person.post(
        "/api/v1/tokens", json={"name": "t", "readOnly": credentials == "read-only"}
    )
    assert made.status_code == 201, made.text
    by_token = await new_client()
    by_token.headers.update(bearer(made.json()["token"]))
    return by_token


def read_only_refusal(credentials: str, method: str) -> bool:
    """Whether the cell is a read-only token asking for a change (refused before anything)."""
    return credentials == "read-only" and method != "GET"


@pytest.mark.parametrize("credentials", CREDENTIALS)
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

    response = await client.request(
        endpoint.method, library.url(endpoint), json=library.body(endpoint)
    )

    if actor == "anonymous":
        assert response.status_code == 401, response.text
    elif read_only_refusal(credentials, endpoint.method):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/read-only-token"
    elif actor == "stranger" and endpoint.owned:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == endpoint.success, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    if actor != "owner" or credentials == "read-only":
        assert await snapshot(ada, library) == before
    if actor != "owner":
        assert "Mine" not in response.text


@pytest.mark.parametrize("endpoint", UNSAFE, ids=str)
async def test_a_cookie_change_without_the_csrf_header_is_refused_and_changes_nothing(
    endpoint: Endpoint, ada: httpx.AsyncClient, library: Library
) -> None:
    before = await snapshot(ada, library)
    token = ada.headers.pop("X-CSRF-Token")
    response = await ada.request(
        endpoint.method, library.url(endpoint), json=library.body(endpoint)
    )
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
    own = await ada.post(
        f"/api/v1/workspaces/{team}/endpoints", json={"name": "mine", "baseUrl": BASE_URL}
    )
    test_set, row = await add_test_set(ada, team)
    return Library(category, prompt, stored.id, test_set, row, own.json()["id"])


async def team_snapshot(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything of the team library an endpoint could change."""
    return [
        (await owner.get(f"/api/v1/categories/{library.category}")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/versions")).json(),
        (await owner.get(f"/api/v1/prompts/{library.prompt}/responses")).json(),
        (await owner.get(f"/api/v1/test-sets/{library.test_set}")).json(),
        (await owner.get(f"/api/v1/test-sets/{library.test_set}/rows")).json(),
        (await owner.get(f"/api/v1/endpoints/{library.endpoint}")).json(),
    ]


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access_by_role(
    endpoint: Endpoint,
    role: str,
    credentials: str,
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    team_library: Library,
    new_client: ClientFactory,
) -> None:
    team = (await ada.get(f"/api/v1/prompts/{team_library.prompt}")).json()["workspaceId"]
    added = await ada.post(
        f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": role}
    )
    assert added.status_code == 201
    before = await team_snapshot(ada, team_library)
    client = await token_client(bob, credentials, new_client)

    response = await client.request(
        endpoint.method, team_library.url(endpoint), json=team_library.body(endpoint)
    )

    if read_only_refusal(credentials, endpoint.method):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/read-only-token"
        assert await team_snapshot(ada, team_library) == before
    elif endpoint.admin_only:
        assert response.status_code == 403, response.text
    elif role == "editor" or viewer_may(endpoint):
        assert response.status_code == endpoint.success, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/role-required"
        assert await team_snapshot(ada, team_library) == before


# A team workspace's provider keys: only its admins and owners list (hints), set or remove
# them; editors and viewers get 403 though their runs use them; a non-member gets 404.
KEY_ENDPOINTS = [
    Endpoint("GET", "/api/v1/workspaces/{workspace}/keys"),
    Endpoint(
        "PUT", "/api/v1/workspaces/{workspace}/keys/openai", {"key": "sk-proj-new-0123456789"}
    ),
    Endpoint("DELETE", "/api/v1/workspaces/{workspace}/keys/openai", success=204),
]
KEY_ROLES = ["anonymous", "stranger", "viewer", "editor", "admin", "owner"]
TEAM_KEY = "sk-proj-team-key-0123456789"


def key_status(endpoint: Endpoint, actor: str) -> int:
    """The expected status of one cell."""
    return {
        "anonymous": 401,
        "stranger": 404,
        "viewer": 403,
        "editor": 403,
    }.get(actor, endpoint.success)


@pytest.mark.parametrize("credentials", ["cookie", "bearer"])
@pytest.mark.parametrize("actor", KEY_ROLES)
@pytest.mark.parametrize("endpoint", KEY_ENDPOINTS, ids=str)
async def test_workspace_key_access(
    endpoint: Endpoint,
    actor: str,
    credentials: str,
    ada: httpx.AsyncClient,
    new_client: ClientFactory,
) -> None:
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    await ada.put(f"/api/v1/workspaces/{team}/keys/openai", json={"key": TEAM_KEY})
    url = endpoint.path.format(workspace=team)
    if actor in ("viewer", "editor", "admin"):
        person = await new_client()
        await register(person, "bob")
        added = await ada.post(
            f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": actor}
        )
        assert added.status_code == 201
        client = person
        if credentials == "bearer":
            client = await new_client()
            client.headers.update(bearer(await create_token(person)))
    else:
        client = await acting_client(
            "owner" if actor == "owner" else actor, credentials, ada, new_client
        )
    before = (await ada.get(f"/api/v1/workspaces/{team}/keys")).json()

    response = await client.request(endpoint.method, url, json=endpoint.body)

    assert response.status_code == key_status(endpoint, actor), response.text
    assert TEAM_KEY not in response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert "sk-proj-…" not in response.text
        assert (await ada.get(f"/api/v1/workspaces/{team}/keys")).json() == before
    if actor in ("viewer", "editor"):
        assert response.json()["type"] == "/problems/role-required"


# Workspace management: who may see and change a team workspace's invitations, members and
# audit log. `needs` is the weakest role that may; weaker members get 403, non-members 404.
ROLES = ["viewer", "editor", "admin", "owner"]


@dataclass(frozen=True)
class TeamEndpoint:
    """An endpoint on a team workspace (`{team}`) or one of its invitations (`{invitation}`)."""

    method: str
    path: str
    needs: str
    body: dict[str, Any] | None = None
    success: int = 200

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


TEAM_ENDPOINTS = [
    TeamEndpoint("GET", "/api/v1/workspaces/{team}", "viewer"),
    TeamEndpoint("GET", "/api/v1/workspaces/{team}/members", "viewer"),
    TeamEndpoint("GET", "/api/v1/workspaces/{team}/invitations", "admin"),
    TeamEndpoint("POST", "/api/v1/workspaces/{team}/invitations", "admin", {"role": "viewer"}, 201),
    TeamEndpoint(
        "DELETE", "/api/v1/workspaces/{team}/invitations/{invitation}", "admin", None, 204
    ),
    TeamEndpoint("GET", "/api/v1/workspaces/{team}/audit", "admin"),
]


def allowed(role: str, needs: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needs)


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("actor", ["anonymous", "non-member", *ROLES])
@pytest.mark.parametrize("endpoint", TEAM_ENDPOINTS, ids=str)
async def test_workspace_access(
    endpoint: TeamEndpoint,
    actor: str,
    credentials: str,
    ada: httpx.AsyncClient,
    bob: httpx.AsyncClient,
    new_client: ClientFactory,
) -> None:
    team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
    made = await ada.post(f"/api/v1/workspaces/{team}/invitations", json={"role": "editor"})
    invitation = made.json()["id"]
    if actor in ("viewer", "editor", "admin"):
        added = await ada.post(
            f"/api/v1/workspaces/{team}/members", json={"username": "bob", "role": actor}
        )
        assert added.status_code == 201
    if actor == "anonymous":
        client = await new_client()
        if credentials != "cookie":
            client.headers.update(bearer("pp_no-such-token"))
    else:
        person = ada if actor == "owner" else bob
        client = await token_client(person, credentials, new_client)
    before = (await ada.get(f"/api/v1/workspaces/{team}/invitations")).json()

    path = endpoint.path.format(team=team, invitation=invitation)
    response = await client.request(endpoint.method, path, json=endpoint.body)

    if actor == "anonymous":
        assert response.status_code == 401, response.text
    elif read_only_refusal(credentials, endpoint.method):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/read-only-token"
    elif actor == "non-member":
        assert response.status_code == 404, response.text
    elif not allowed(actor, endpoint.needs):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/role-required"
    else:
        assert response.status_code == endpoint.success, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert (await ada.get(f"/api/v1/workspaces/{team}/invitations")).json() == before
    assert made.json()["token"] not in response.text
