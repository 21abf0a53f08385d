"""Every worker process hears at once of tokens revoked and accounts deleted by another:
two app instances (two engines, two token caches) on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.app import create_app
from promptpro.config import Settings
from promptpro.services.tokens import TokenCache
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, register

ME = "/api/v1/me"
TOKENS = "/api/v1/tokens"
# Far longer than any test: only a notification can make a cached token go.
LONG_TTL_S = 3600.0

Worker = tuple[FastAPI, httpx.AsyncClient]


class RecordingCache(TokenCache):
    """A token cache that remembers when it was told the listener went down or came back."""

    def __init__(self, ttl: float) -> None:
        super().__init__(ttl=ttl)
        self.history: list[bool] = []

    def listening(self, listening: bool) -> None:
        self.history.append(listening)
        super().listening(listening)


@pytest.fixture
async def workers(settings: Settings) -> AsyncIterator[Callable[[], Awaitable[Worker]]]:
    """Makes started apps on the test database, as worker processes would be."""
    if settings.is_sqlite:
        pytest.skip("SQLite is served by one process: there is nobody else to tell")
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> Worker:
            app = create_app(settings)
            app.state.token_cache = RecordingCache(ttl=LONG_TTL_S)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            return app, await stack.enter_async_context(client)

        yield make


async def refused_soon(client: httpx.AsyncClient, secret: str) -> bool:
    """Whether a request with the token is refused within a bounded number of tries."""
    for _ in range(200):
        if (await client.get(ME, headers=bearer(secret))).status_code == 401:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_token_revoked_on_one_worker_is_refused_by_another_at_once(
    workers: Callable[[], Awaitable[Worker]],
) -> None:
    (_, one), (two_app, two) = await workers(), await workers()
    await register(one)
    secret = await create_token(one)
    assert (await two.get(ME, headers=bearer(secret))).status_code == 200
    assert len(two_app.state.token_cache) == 1  # the second worker trusts what it read
    [token] = (await one.get(TOKENS)).json()
    assert (await one.delete(f"{TOKENS}/{token['id']}")).status_code == 204
    assert await refused_soon(two, secret)


async def test_an_account_deleted_on_one_worker_is_refused_by_another_at_once(
    workers: Callable[[], Awaitable[Worker]],
) -> None:
    (_, one), (_, two) = await workers(), await workers()
    await register(one)
    secret = await create_token(one)
    assert (await two.get(ME, headers=bearer(secret))).json()["username"] == "ada"
    deleted = await one.request("DELETE", ME, json={"password": DEFAULT_PASSWORD})
    assert deleted.status_code == 204
    assert await refused_soon(two, secret)


async def test_a_password_change_on_one_worker_revokes_the_tokens_on_another(
    workers: Callable[[], Awaitable[Worker]],
) -> None:
    (_, one), (_, two) = await workers(), await workers()
    await register(one)
    secret = await create_token(one)
    assert (await two.get(ME, headers=bearer(secret))).status_code == 200
    changed = await one.post(
        "/api/v1/me/password",
        json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "a new passphrase"},
    )
    assert changed.status_code == 204
    assert await refused_soon(two, secret)


async def test_while_the_listener_is_down_nothing_is_cached(
    workers: Callable[[], Awaitable[Worker]],
) -> None:
    app, client = await workers()
    cache: RecordingCache = app.state.token_cache
    await register(client)
    secret = await create_token(client)
    assert (await client.get(ME, headers=bearer(secret))).status_code == 200
    assert cache.enabled and len(cache) == 1
    assert cache.history == [False, True]  # off until the first LISTEN was in place
    # Cut the listening connection, as a database restart or a network fault would.
    async with app.state.engine.connect() as conn:
        await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    for _ in range(500):  # until it is back (bounded, not timed)
        if cache.history[2:] == [False, True]:
            break
        await asyncio.sleep(0.01)
    assert cache.history == [False, True, False, True]
    assert len(cache) == 0  # what it held while deaf was dropped
    assert (await client.get(ME, headers=bearer(secret))).status_code == 200
