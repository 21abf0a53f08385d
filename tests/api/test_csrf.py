"""CSRF: cookie-authenticated changes need the session's token; bearer tokens and reads don't."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Form

from promptpro.deps import CurrentUser
from tests.support.auth import bearer, create_token, register

TOKENS = "/api/v1/tokens"


async def test_a_cookie_change_without_the_token_is_refused(client: httpx.AsyncClient) -> None:
    await register(client)
    del client.headers["X-CSRF-Token"]
    response = await client.post(TOKENS, json={"name": "cli"})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/csrf"
    assert "X-CSRF-Token" in response.json()["detail"]
    assert (await client.get(TOKENS)).json() == []  # nothing was created


async def test_a_wrong_token_is_refused_for_every_unsafe_method(
    client: httpx.AsyncClient,
) -> None:
    await register(client)
    client.headers["X-CSRF-Token"] = "not-the-token"
    for method, path in (
        ("POST", TOKENS),
        ("PATCH", "/api/v1/me"),
        ("DELETE", f"{TOKENS}/1"),
        ("PUT", "/api/v1/keys/openai"),
        ("POST", "/api/v1/auth/logout"),
    ):
        response = await client.request(method, path, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["type"] == "/problems/csrf"
    assert (await client.get("/api/v1/auth/session")).status_code == 200  # still signed in


async def test_another_sessions_token_does_not_do(
    client: httpx.AsyncClient, new_client: object
) -> None:
    other = await register(client, "bob")
    client.cookies.clear()
    await register(client, "ada")
    client.headers["X-CSRF-Token"] = other["csrfToken"]
    assert (await client.post(TOKENS, json={"name": "x"})).status_code == 403


async def test_reads_need_no_token(client: httpx.AsyncClient) -> None:
    await register(client)
    del client.headers["X-CSRF-Token"]
    assert (await client.get(TOKENS)).status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (await client.head("/api/v1/me")).status_code in (200, 405)


async def test_bearer_requests_need_no_token(client: httpx.AsyncClient) -> None:
    await register(client)
    secret = await create_token(client)
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    response = await client.post(TOKENS, json={"name": "second"}, headers=bearer(secret))
    assert response.status_code == 201


async def test_an_html_form_may_send_the_token_as_a_field(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    @app.post("/form-echo")
    async def form_echo(user: CurrentUser, note: Annotated[str, Form()]) -> dict[str, str]:
        return {"user": user.username, "note": note}

    body = await register(client)
    del client.headers["X-CSRF-Token"]
    good = await client.post("/form-echo", data={"csrf_token": body["csrfToken"], "note": "hi"})
    assert good.status_code == 200, good.text
    assert good.json() == {"user": "ada", "note": "hi"}
    bad = await client.post("/form-echo", data={"csrf_token": "forged", "note": "hi"})
    assert bad.status_code == 403
    missing = await client.post("/form-echo", data={"note": "hi"})
    assert missing.status_code == 403
