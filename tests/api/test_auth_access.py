"""Access matrix of the account endpoints: anonymous, another user, owner x cookie, bearer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ClientFactory
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, register

# (method, path, body, success status); {token} is one of the owner's tokens.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("GET", "/api/v1/me", None, 200),
    ("PATCH", "/api/v1/me", {"bio": "Hello."}, 200),
    (
        "POST",
        "/api/v1/me/password",
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": DEFAULT_PASSWORD},
        204,
    ),
    ("GET", "/api/v1/tokens", None, 200),
    ("POST", "/api/v1/tokens", {"name": "more"}, 201),
    ("DELETE", "/api/v1/tokens/{token}", None, 204),
    ("DELETE", "/api/v1/me", {"password": DEFAULT_PASSWORD}, 204),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]


class People:
    """Ada (the owner) and Bob, each with a cookie client and a token."""

    def __init__(self, ada: httpx.AsyncClient, bob: httpx.AsyncClient) -> None:
        self.ada, self.bob = ada, bob
        self.ada_secret = self.bob_secret = ""
        self.ada_token_id = 0

    async def setup(self) -> People:
        await register(self.ada, "ada")
        await register(self.bob, "bob")
        self.ada_secret = await create_token(self.ada, "main")
        self.bob_secret = await create_token(self.bob, "main")
        await create_token(self.ada, "spare")
        tokens = (await self.ada.get("/api/v1/tokens")).json()
        self.ada_token_id = next(t["id"] for t in tokens if t["name"] == "spare")
        return self


@pytest.fixture
async def people(client: httpx.AsyncClient, new_client: ClientFactory) -> People:
    return await People(client, await new_client()).setup()


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    people: People,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    url = path.format(token=people.ada_token_id)
    return await client.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "success"), ENDPOINTS, ids=IDS)
async def test_anonymous_is_401(
    new_client: ClientFactory,
    people: People,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    success: int,
) -> None:
    anonymous = await new_client()
    response = await call(anonymous, method, path, body, people)
    assert response.status_code == 401
    forged = await call(anonymous, method, path, body, people, bearer("pp_forged"))
    assert forged.status_code == 401


@pytest.mark.parametrize("by", ["cookie", "bearer"])
@pytest.mark.parametrize(("method", "path", "body", "success"), ENDPOINTS, ids=IDS)
async def test_the_owner_succeeds(
    new_client: ClientFactory,
    people: People,
    by: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    success: int,
) -> None:
    if by == "cookie":
        response = await call(people.ada, method, path, body, people)
    else:
        anonymous = await new_client()
        response = await call(anonymous, method, path, body, people, bearer(people.ada_secret))
    assert response.status_code == success, response.text


@pytest.mark.parametrize("by", ["cookie", "bearer"])
async def test_another_users_token_is_404_and_never_listed(
    new_client: ClientFactory, people: People, by: str
) -> None:
    if by == "cookie":
        bob, headers = people.bob, None
    else:
        bob, headers = await new_client(), bearer(people.bob_secret)
    url = f"/api/v1/tokens/{people.ada_token_id}"
    assert (await bob.delete(url, headers=headers)).status_code == 404
    listed = (await bob.get("/api/v1/tokens", headers=headers)).json()
    assert people.ada_token_id not in [token["id"] for token in listed]
    me = (await bob.get("/api/v1/me", headers=headers)).json()
    assert me["username"] == "bob"
    assert len((await people.ada.get("/api/v1/tokens")).json()) == 2
