"""The access matrix's world: one app per database, its people signed in every way, and the
objects they act on, built once per test module and put back after each cell.

Each cell of the matrix is then one request (and, where it must change nothing, a look at
the rows): a few milliseconds, where building an app, people and objects cost a second.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.support import rows
from tests.support.auth import bearer, register
from tests.support.shared_app import started_app

BASE_URL = "https://llm.example.com/v1"  # never called: only its form is checked
TEAM_KEY = "sk-proj-team-key-0123456789"
# Who acts in the matrix: the owner of everything, another user, and the team's members.
PEOPLE = {"owner": "ada", "stranger": "bob", "viewer": "vera", "editor": "eddie", "admin": "alan"}
CREDENTIALS = ["cookie", "bearer", "read-only"]
# What requests change as they go, and no cell's answer depends on: never compared nor put
# back (so the people's sessions and tokens must stay: no endpoint of the matrix ends them).
BOOKKEEPING = ("sessions", "access_tokens", "audit_events", "login_attempts", "worker_heartbeats")
WATCHED = rows.tables(leaving_out=BOOKKEEPING)


@dataclass(frozen=True)
class Library:
    """The objects the endpoints are called on (in one workspace)."""

    category: int
    prompt: int
    response: int
    test_set: int
    row: int
    endpoint: int

    def url(self, path: str) -> str:
        return path.format(
            category=self.category,
            prompt=self.prompt,
            response=self.response,
            test_set=self.test_set,
            row=self.row,
            endpoint=self.endpoint,
        )

    def body(self, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """The body, "{response}" replaced by the response's id."""
        if body is None:
            return None
        return {k: self.response if v == "{response}" else v for k, v in body.items()}


@dataclass
class World:
    """The app, a client per person and way of signing in, and ada's two libraries: her
    personal one and her team's (where vera is a viewer, eddie an editor, alan an admin)."""

    app: FastAPI
    clients: dict[tuple[str, str], httpx.AsyncClient]
    personal: Library
    team: Library
    team_id: int
    invitation: int
    invitation_token: str
    baseline: rows.Rows = field(default_factory=dict)
    fingerprint: rows.Fingerprint = ()  # of the baseline
    views: list[Any] = field(default_factory=list)  # the owner's, of both libraries

    def client(self, actor: str, credentials: str) -> httpx.AsyncClient:
        """`actor` (a key of PEOPLE, "anonymous" or "non-member") signed in by session
        cookie (with its CSRF header), bearer token or read-only bearer token; "no-csrf":
        the owner's cookie without the header."""
        return self.clients[("stranger" if actor == "non-member" else actor, credentials)]

    async def changed(self) -> list[str]:
        """The tables whose rows differ from the world's as it was built."""
        async with self.app.state.engine.connect() as conn:
            now = await rows.fingerprint(conn, WATCHED)
        return [table.name for table in rows.differing(WATCHED, self.fingerprint, now)]

    async def owner_sees_no_change(self) -> bool:
        """Whether the owner sees both libraries as they were built (first, cheaply:
        whether no row changed at all; others' own new objects are no change to her)."""
        if not await self.changed():
            return True
        return await self.owner_views() == self.views

    async def owner_views(self) -> list[Any]:
        owner = self.client("owner", "cookie")
        return [await personal_view(owner, self.personal), await team_view(owner, self.team)]

    async def put_back(self) -> None:
        """Put back whatever a cell changed."""
        engine = self.app.state.engine
        self.fingerprint = await rows.put_back(engine, WATCHED, self.baseline, self.fingerprint)


async def personal_view(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything the owner can see of their personal library."""
    paths = [
        "/api/v1/categories",
        "/api/v1/prompts",
        "/api/v1/prompts/{prompt}/versions",
        "/api/v1/prompts/{prompt}/responses",
        "/api/v1/test-sets",
        "/api/v1/test-sets/{test_set}/rows",
        "/api/v1/endpoints",
    ]
    return [(await owner.get(library.url(path))).json() for path in paths]


async def team_view(owner: httpx.AsyncClient, library: Library) -> list[Any]:
    """Everything of the team library an endpoint could change."""
    paths = [
        "/api/v1/categories/{category}",
        "/api/v1/prompts/{prompt}",
        "/api/v1/prompts/{prompt}/versions",
        "/api/v1/prompts/{prompt}/responses",
        "/api/v1/test-sets/{test_set}",
        "/api/v1/test-sets/{test_set}/rows",
        "/api/v1/endpoints/{endpoint}",
    ]
    return [(await owner.get(library.url(path))).json() for path in paths]


async def _library(app: FastAPI, ada: httpx.AsyncClient, team: int | None) -> Library:
    """A category "Mine", a prompt filed in it with a response, a test set with a row, and
    an endpoint, in the team workspace (None: ada's personal one)."""
    where = {} if team is None else {"workspaceId": team}

    async def made(path: str, body: dict[str, Any]) -> int:
        response = await ada.post(path, json=body)
        assert response.status_code == 201, response.text
        made_id: int = response.json()["id"]
        return made_id

    category = await made("/api/v1/categories", {"name": "Mine", **where})
    prompt = await made(
        "/api/v1/prompts", {"title": "Mine", "content": "c", "categoryId": category, **where}
    )
    owner_id = (await ada.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        stored = await Storage(session).create_response(
            owner_id, prompt, ResponseCreate(model="openai/gpt-4o-mini", content="answer")
        )
    test_set = await made("/api/v1/test-sets", {"name": "Mine", **where})
    row = await made(f"/api/v1/test-sets/{test_set}/rows", {"variables": {"a": "1"}})
    endpoints = "/api/v1/endpoints" if team is None else f"/api/v1/workspaces/{team}/endpoints"
    endpoint = await made(endpoints, {"name": "mine", "baseUrl": BASE_URL})
    return Library(category, prompt, stored.id, test_set, row, endpoint)


@contextlib.asynccontextmanager
async def build_world(database_url: str, data_dir: Path) -> AsyncIterator[World]:
    """The world on a fresh, migrated database."""
    async with started_app(database_url, data_dir) as (app, new_client):
        clients = {
            ("anonymous", "cookie"): await new_client(),
            ("anonymous", "bearer"): await new_client(**bearer("pp_no-such-token")),
            ("anonymous", "read-only"): await new_client(**bearer("pp_no-such-token")),
        }
        for actor, username in PEOPLE.items():
            person = clients[(actor, "cookie")] = await new_client()
            await register(person, username)
            for credentials in ("bearer", "read-only"):
                made = await person.post(
                    "/api/v1/tokens",
                    json={"name": credentials, "readOnly": credentials != "bearer"},
                )
                assert made.status_code == 201, made.text
                clients[(actor, credentials)] = await new_client(**bearer(made.json()["token"]))
        ada = clients[("owner", "cookie")]
        no_csrf = clients[("owner", "no-csrf")] = await new_client()
        no_csrf.cookies = ada.cookies

        team = (await ada.post("/api/v1/workspaces", json={"name": "Team"})).json()["id"]
        for role in ("viewer", "editor", "admin"):
            added = await ada.post(
                f"/api/v1/workspaces/{team}/members",
                json={"username": PEOPLE[role], "role": role},
            )
            assert added.status_code == 201, added.text
        keyed = await ada.put(f"/api/v1/workspaces/{team}/keys/openai", json={"key": TEAM_KEY})
        assert keyed.status_code == 200, keyed.text
        invited = await ada.post(f"/api/v1/workspaces/{team}/invitations", json={"role": "editor"})
        assert invited.status_code == 201, invited.text

        world = World(
            app=app,
            clients=clients,
            personal=await _library(app, ada, None),
            team=await _library(app, ada, team),
            team_id=team,
            invitation=invited.json()["id"],
            invitation_token=invited.json()["token"],
        )
        world.views = await world.owner_views()
        async with app.state.engine.connect() as conn:
            world.baseline = await rows.take(conn, WATCHED)
            world.fingerprint = await rows.fingerprint(conn, WATCHED)
        yield world
