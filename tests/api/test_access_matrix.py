"""Who may do what: every library endpoint x {anonymous, another user, owner} x {cookie,
bearer, read-only bearer}, and x {viewer, editor} of a team workspace; every workspace
management endpoint x {anonymous, non-member, viewer, editor, admin, owner} x the same
three ways to authenticate; each on SQLite and PostgreSQL.

Anonymous is 401; another user's object is 404 (never 403) and left unchanged; the owner
succeeds. Lists never show another user's objects. A viewer reads and is refused (403)
every change; an editor succeeds. A read-only token reads as its user would, and every
change it asks for is 403 `/problems/read-only-token`, whoever it belongs to. A refused
request changes nothing.

The cells share one world per database (people, their tokens, ada's personal and team
libraries: tests/api/access_matrix_support.py); each cell is one request, and whatever it
changed is put back after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from promptpro.api.problems import PROBLEM_MEDIA_TYPE
from tests.api.access_matrix_support import (
    BASE_URL,
    CREDENTIALS,
    TEAM_KEY,
    Library,
    World,
    build_world,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


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


# A new endpoint is a row here (or in TEAM_ENDPOINTS below); a new kind of object it names
# is a field of `Library` (access_matrix_support.py), made in `_library`. What a cell
# changes is put back after it, except the people's sessions and tokens (BOOKKEEPING).
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
    Endpoint("GET", "/api/v1/evaluations", owned=False),
    Endpoint("GET", "/api/v1/responses", owned=False),
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


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    module_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    """The world, once per database for the whole module."""
    async with build_world(module_database, tmp_path_factory.mktemp("data")) as built:
        yield built


@pytest_asyncio.fixture(loop_scope="module")
async def cell(world: World) -> AsyncIterator[World]:
    """The world for one cell; whatever the cell changed is put back after it."""
    yield world
    await world.put_back()


async def call(client: httpx.AsyncClient, endpoint: Any, library: Library) -> httpx.Response:
    """The endpoint called on the library's objects, with its body."""
    url, body = library.url(endpoint.path), library.body(endpoint.body)
    return await client.request(endpoint.method, url, json=body)


async def assert_changed_nothing(world: World, response: httpx.Response) -> None:
    """A refused request is answered with a problem and leaves every row as it was."""
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert await world.changed() == []


def read_only_refusal(credentials: str, method: str) -> bool:
    """Whether the cell is a read-only token asking for a change (refused before anything)."""
    return credentials == "read-only" and method != "GET"


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("actor", ["anonymous", "stranger", "owner"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access(endpoint: Endpoint, actor: str, credentials: str, cell: World) -> None:
    response = await call(cell.client(actor, credentials), endpoint, cell.personal)

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
        await assert_changed_nothing(cell, response)
    elif actor != "owner" or credentials == "read-only":
        assert await cell.owner_sees_no_change()
    if actor != "owner":
        assert "Mine" not in response.text


@pytest.mark.parametrize("endpoint", UNSAFE, ids=str)
async def test_a_cookie_change_without_the_csrf_header_is_refused_and_changes_nothing(
    endpoint: Endpoint, cell: World
) -> None:
    response = await call(cell.client("owner", "no-csrf"), endpoint, cell.personal)
    assert response.status_code == 403
    await assert_changed_nothing(cell, response)


async def test_lists_show_only_the_callers_own_objects(cell: World) -> None:
    ada, bob = cell.client("owner", "cookie"), cell.client("stranger", "cookie")
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
    filtered = await bob.get("/api/v1/prompts", params={"categoryId": cell.personal.category})
    assert filtered.json()["items"] == []
    searched = await bob.get("/api/v1/prompts", params={"q": "Mine"})
    assert searched.json()["items"] == []


async def test_a_stranger_may_not_file_a_prompt_in_the_owners_category(cell: World) -> None:
    bob = cell.client("stranger", "cookie")
    response = await bob.post(
        "/api/v1/prompts", json={"title": "t", "content": "c", "categoryId": cell.personal.category}
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


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
async def test_access_by_role(endpoint: Endpoint, role: str, credentials: str, cell: World) -> None:
    response = await call(cell.client(role, credentials), endpoint, cell.team)

    if read_only_refusal(credentials, endpoint.method):
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/read-only-token"
    elif endpoint.admin_only:
        assert response.status_code == 403, response.text
    elif role == "editor" or viewer_may(endpoint):
        assert response.status_code == endpoint.success, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/role-required"
    if response.status_code >= 400:
        await assert_changed_nothing(cell, response)


# A team workspace's provider keys: only its admins and owners list (hints), set or remove
# them; editors and viewers get 403 though their runs use them; a non-member gets 404.
KEY_ENDPOINTS = [
    Endpoint("GET", "/api/v1/workspaces/{team}/keys"),
    Endpoint("PUT", "/api/v1/workspaces/{team}/keys/openai", {"key": "sk-proj-new-0123456789"}),
    Endpoint("DELETE", "/api/v1/workspaces/{team}/keys/openai", success=204),
]
KEY_ROLES = ["anonymous", "stranger", "viewer", "editor", "admin", "owner"]


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
    endpoint: Endpoint, actor: str, credentials: str, cell: World
) -> None:
    url = endpoint.path.format(team=cell.team_id)
    client = cell.client(actor, credentials)
    response = await client.request(endpoint.method, url, json=endpoint.body)

    assert response.status_code == key_status(endpoint, actor), response.text
    assert TEAM_KEY not in response.text
    if response.status_code >= 400:
        assert "sk-proj-…" not in response.text
        await assert_changed_nothing(cell, response)
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
    TeamEndpoint("GET", "/api/v1/workspaces/{team}/endpoints", "viewer"),
    TeamEndpoint("GET", "/api/v1/workspaces/{team}/export?format=promptpro", "viewer"),
    TeamEndpoint("GET", "/api/v1/evaluations?workspaceId={team}", "viewer"),
]


def allowed(role: str, needs: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needs)


@pytest.mark.parametrize("credentials", CREDENTIALS)
@pytest.mark.parametrize("actor", ["anonymous", "non-member", *ROLES])
@pytest.mark.parametrize("endpoint", TEAM_ENDPOINTS, ids=str)
async def test_workspace_access(
    endpoint: TeamEndpoint, actor: str, credentials: str, cell: World
) -> None:
    path = endpoint.path.format(team=cell.team_id, invitation=cell.invitation)
    client = cell.client(actor, credentials)
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
        await assert_changed_nothing(cell, response)
    assert cell.invitation_token not in response.text
