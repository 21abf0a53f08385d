"""Sign people in through the API, for tests of everything that needs a user."""

from __future__ import annotations

from typing import Any

import httpx

DEFAULT_PASSWORD = "correct horse battery"


async def register(
    client: httpx.AsyncClient, username: str = "ada", password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """Register and sign `client` in (cookie + default X-CSRF-Token header); the JSON body."""
    response = await client.post(
        "/api/v1/auth/register", json={"username": username, "password": password}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    client.headers["X-CSRF-Token"] = body["csrfToken"]
    return body


async def login(
    client: httpx.AsyncClient, username: str = "ada", password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """Sign `client` in with an existing account (cookie + X-CSRF-Token); the JSON body."""
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    client.headers["X-CSRF-Token"] = body["csrfToken"]
    return body


async def create_token(client: httpx.AsyncClient, name: str = "cli") -> str:
    """A new personal access token of the signed-in `client`'s user: its `pp_...` secret."""
    response = await client.post("/api/v1/tokens", json={"name": name})
    assert response.status_code == 201, response.text
    secret: str = response.json()["token"]
    return secret


def bearer(secret: str) -> dict[str, str]:
    """The header that authenticates a request with a personal access token."""
    return {"Authorization": f"Bearer {secret}"}
