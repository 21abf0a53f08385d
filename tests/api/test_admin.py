"""The instance admin: the first account, the users list, disabling, promoting, registration."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from promptpro.app import create_app
from promptpro.cli import app as cli_app
from promptpro.config import Settings, get_settings
from promptpro.services.tokens import TokenCache
from tests.conftest import ClientFactory
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, login, register

ME = "/api/v1/me"
USERS = "/api/v1/admin/users"
SETTINGS = "/api/v1/admin/settings"
ADMIN_ROUTES = [
    ("GET", USERS, None),
    ("PATCH", f"{USERS}/x", {"disabled": True}),
    ("GET", SETTINGS, None),
    ("PATCH", SETTINGS, {"registration": "open"}),
    ("GET", "/api/v1/admin/audit", None),
]


async def _people(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> tuple[dict[str, Any], dict[str, Any], httpx.AsyncClient]:
    """ada (first: the admin, signed in on `client`) and bob (signed in on his own client)."""
    ada = (await register(client, "ada"))["user"]
    bob_client = await new_client()
    bob = (await register(bob_client, "bob"))["user"]
    return ada, bob, bob_client


async def test_the_first_account_is_the_instance_admin(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    ada, bob, _ = await _people(client, new_client)
    assert ada["isAdmin"] is True
    assert bob["isAdmin"] is False
    assert (await client.get(ME)).json()["isAdmin"] is True


async def test_admin_routes_need_a_user_and_the_admin_right(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    anonymous = await new_client()
    for method, path, body in ADMIN_ROUTES:
        assert (await anonymous.request(method, path, json=body)).status_code == 401, path
    _, _, bob = await _people(client, new_client)
    for method, path, body in ADMIN_ROUTES:
        response = await bob.request(method, path, json=body)
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/problems/admin-required")
        assert "admin" in response.json()["detail"]


async def test_the_users_list_searches_and_pages(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await _people(client, new_client)
    for name in ("carol", "dave_x", "daveyx"):
        await register(await new_client(), name)
    everyone = (await client.get(USERS)).json()
    assert [u["username"] for u in everyone["items"]] == [
        "ada", "bob", "carol", "dave_x", "daveyx",
    ]  # fmt: skip
    assert everyone["nextCursor"] is None
    assert everyone["items"][0]["disabled"] is False
    # `_` matches literally
    found = (await client.get(USERS, params={"q": "E_X"})).json()["items"]
    assert [u["username"] for u in found] == ["dave_x"]
    names, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(USERS, params=params)).json()
        names += [u["username"] for u in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert names == ["ada", "bob", "carol", "dave_x", "daveyx"]
    bad = await client.get(USERS, params={"cursor": "!!!"})
    assert bad.status_code == 422
    assert (await client.get(USERS, params={"limit": 0})).status_code == 422


async def test_a_disabled_user_is_refused_at_once_and_keeps_their_data(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    _, bob, bob_client = await _people(client, new_client)
    secret = await create_token(bob_client)
    prompt = await bob_client.post("/api/v1/prompts", json={"title": "T", "content": "C"})
    assert prompt.status_code == 201
    assert (await bob_client.get(ME, headers=bearer(secret))).status_code == 200  # cached

    response = await client.patch(f"{USERS}/{bob['id']}", json={"disabled": True})
    assert response.status_code == 200
    assert response.json()["disabled"] is True
    assert (await bob_client.get(ME)).status_code == 401
    refused = await bob_client.get(ME, headers=bearer(secret))
    assert refused.status_code == 401
    assert "disabled" in refused.json()["detail"]
    sign_in = await (await new_client()).post(
        "/api/v1/auth/login", json={"username": "bob", "password": DEFAULT_PASSWORD}
    )
    assert sign_in.status_code == 403
    assert sign_in.json()["type"].endswith("/problems/account-disabled")
    assert "disabled" in sign_in.json()["detail"]
    wrong = await (await new_client()).post(
        "/api/v1/auth/login", json={"username": "bob", "password": "not the password"}
    )
    assert wrong.status_code == 401  # a guesser learns nothing about the account

    assert (await client.patch(f"{USERS}/{bob['id']}", json={"disabled": False})).is_success
    assert (await bob_client.get(ME, headers=bearer(secret))).status_code == 200
    again = await new_client()
    await login(again, "bob")
    prompts = (await again.get("/api/v1/prompts")).json()["items"]
    assert [p["id"] for p in prompts] == [prompt.json()["id"]]


async def test_the_last_admin_cannot_demote_or_disable_themselves(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    ada, bob, _ = await _people(client, new_client)
    for change in ({"isAdmin": False}, {"disabled": True}):
        response = await client.patch(f"{USERS}/{ada['id']}", json=change)
        assert response.status_code == 409, change
        assert "last" in response.json()["detail"]
    assert (await client.get(ME)).json()["isAdmin"] is True
    promoted = await client.patch(f"{USERS}/{bob['id']}", json={"isAdmin": True})
    assert promoted.json()["isAdmin"] is True
    assert (await client.patch(f"{USERS}/{ada['id']}", json={"isAdmin": False})).is_success
    assert (await client.get(USERS)).status_code == 403


async def test_patching_a_user_refuses_bad_input(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    _, bob, _ = await _people(client, new_client)
    assert (await client.patch(f"{USERS}/nobody", json={"disabled": True})).status_code == 404
    for body in ({"disabled": None}, {"isAdmin": "yes"}, {"password": "x"}):
        response = await client.patch(f"{USERS}/{bob['id']}", json=body)
        assert response.status_code == 422, body


async def test_registration_policy_open_invite_closed(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    await register(client, "ada")
    assert (await client.get(SETTINGS)).json() == {"registration": "open"}
    for policy in ("closed", "invite"):
        response = await client.patch(SETTINGS, json={"registration": policy})
        assert response.json() == {"registration": policy}
        refused = await (await new_client()).post(
            "/api/v1/auth/register", json={"username": f"x{policy}", "password": DEFAULT_PASSWORD}
        )
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/problems/registration-closed")
        providers = (await client.get("/api/v1/auth/providers")).json()
        assert providers["registration"] is False
    assert (await client.patch(SETTINGS, json={"registration": "maybe"})).status_code == 422
    await client.patch(SETTINGS, json={"registration": "open"})
    await register(await new_client(), "bob")


async def test_the_database_setting_overrides_the_environment(
    settings: Settings, tmp_path: Path
) -> None:
    closed = settings.model_copy(update={"registration_enabled": False})
    app = create_app(closed)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            body = {"username": "ada", "password": DEFAULT_PASSWORD}
            assert (await c.post("/api/v1/auth/register", json=body)).status_code == 403


# --- promote / demote from the server's shell ----------------------------------------------

runner = CliRunner()


@pytest.fixture
def shell_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PROMPTPRO_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()


async def _shell(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(runner.invoke, cli_app, list(args))
    get_settings.cache_clear()
    return result.exit_code, result.output


async def test_promote_and_demote_from_the_shell(
    client: httpx.AsyncClient, new_client: ClientFactory, shell_env: None
) -> None:
    _, _, bob_client = await _people(client, new_client)
    code, output = await _shell("users", "promote", "BOB")
    assert code == 0, output
    assert "bob is now an instance admin" in output
    assert (await bob_client.get(USERS)).status_code == 200
    code, output = await _shell("users", "demote", "bob")
    assert code == 0, output
    assert (await bob_client.get(USERS)).status_code == 403
    code, output = await _shell("users", "demote", "ada")
    assert code == 1
    assert "last" in output
    code, output = await _shell("users", "promote", "nobody")
    assert code == 1
    assert "No user is called nobody" in output
    events = (await client.get("/api/v1/admin/audit", params={"action": "user.promoted"})).json()
    assert "by the server's shell" in events["items"][0]["summary"]


# --- another worker hears of it at once (PostgreSQL) ------------------------------------------

Worker = tuple[FastAPI, httpx.AsyncClient]


@pytest.fixture
async def workers(settings: Settings) -> AsyncIterator[Callable[[], Awaitable[Worker]]]:
    """Started apps on the test database, as worker processes would be."""
    if settings.is_sqlite:
        pytest.skip("SQLite is served by one process: there is nobody else to tell")
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> Worker:
            app = create_app(settings)
            app.state.token_cache = TokenCache(ttl=3600.0)  # only a notification evicts
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            return app, await stack.enter_async_context(client)

        yield make


async def test_a_user_disabled_on_one_worker_is_refused_by_another_at_once(
    workers: Callable[[], Awaitable[Worker]],
) -> None:
    (_, one), (two_app, two) = await workers(), await workers()
    await register(one, "ada")
    bob_client = (await workers())[1]
    bob = (await register(bob_client, "bob"))["user"]
    secret = await create_token(bob_client)
    assert (await two.get(ME, headers=bearer(secret))).status_code == 200
    assert len(two_app.state.token_cache) == 1  # the second worker trusts what it read
    assert (await one.patch(f"{USERS}/{bob['id']}", json={"disabled": True})).is_success
    for _ in range(200):
        if (await two.get(ME, headers=bearer(secret))).status_code == 401:
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the other worker still accepts the disabled user's token")
