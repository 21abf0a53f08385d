"""What the run path keeps in process (token -> user) is never served once it is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from promptpro.config import Settings
from promptpro.db.types import utcnow
from promptpro.providers.registry import ProviderRegistry
from promptpro.services import tokens
from promptpro.testing import FakeProviderServer
from tests.conftest import ClientFactory
from tests.providers.helpers import config_for
from tests.support.auth import DEFAULT_PASSWORD, bearer, create_token, register
from tests.support.runs import add_key, create_prompt

ME = "/api/v1/me"
RUNS_AT_ONCE = 25  # more than the pool's 20 connections


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One user may have every run of the burst below in progress at once."""
    return settings.model_copy(update={"max_runs_per_user": RUNS_AT_ONCE})


@pytest.fixture
async def fake_app(app: FastAPI, fake: FakeProviderServer) -> AsyncIterator[FastAPI]:
    """The app with its providers on the fake server."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    yield app
    await app.state.providers.aclose()


async def cached_token(client: httpx.AsyncClient, new_client: ClientFactory) -> str:
    """A token of ada's (signed in on `client`), used once from elsewhere so it is cached."""
    await register(client)
    secret = await create_token(client)
    script = await new_client()
    assert (await script.get(ME, headers=bearer(secret))).status_code == 200
    return secret


async def test_a_revoked_token_is_refused_at_once_though_it_was_cached(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    secret = await cached_token(client, new_client)
    [token] = (await client.get("/api/v1/tokens")).json()
    assert (await client.delete(f"/api/v1/tokens/{token['id']}")).status_code == 204
    assert (await client.get(ME, headers=bearer(secret))).status_code == 401


async def test_a_deleted_accounts_token_is_refused_at_once(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    secret = await cached_token(client, new_client)
    script = await new_client()
    deleted = await script.request(
        "DELETE", ME, json={"password": DEFAULT_PASSWORD}, headers=bearer(secret)
    )
    assert deleted.status_code == 204
    assert (await script.get(ME, headers=bearer(secret))).status_code == 401


async def test_a_profile_change_is_seen_at_once_by_bearer_requests(
    client: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    secret = await cached_token(client, new_client)
    assert (await client.patch(ME, json={"firstName": "Ada"})).status_code == 200
    assert (await client.get(ME, headers=bearer(secret))).json()["firstName"] == "Ada"


async def test_a_cached_token_still_expires_on_time(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(client)
    response = await client.post("/api/v1/tokens", json={"name": "cli", "expiresInDays": 1})
    secret = response.json()["token"]
    assert (await client.get(ME, headers=bearer(secret))).status_code == 200
    tomorrow = utcnow() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(tokens, "utcnow", lambda: tomorrow)
    assert (await client.get(ME, headers=bearer(secret))).status_code == 401


async def test_a_changed_key_is_used_for_the_next_run(
    fake_app: FastAPI, client: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await register(client)
    prompt = await create_prompt(client)
    run = f"/api/v1/prompts/{prompt['id']}/run"
    for key in ("sk-first-key-0123456789abcdef", "sk-second-key-0123456789abcdef"):
        await add_key(client, "openai", key)
        assert (await client.post(run, json={"variables": {"topic": "x"}})).status_code == 201
        assert fake.last_request.headers["authorization"] == f"Bearer {key}"


async def test_runs_waiting_for_their_answer_hold_no_database_connection(
    fake_app: FastAPI, client: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    # More runs at once than the pool has connections: each must store its answer.
    fake.configure(first_delay=0.3)
    await register(client)
    await add_key(client, "openai")
    prompt = await create_prompt(client)
    run = f"/api/v1/prompts/{prompt['id']}/run"
    async with asyncio.timeout(20):  # the pool would time out after 30 s
        answers = await asyncio.gather(
            *(client.post(run, json={"variables": {"topic": str(i)}}) for i in range(RUNS_AT_ONCE))
        )
    assert [answer.status_code for answer in answers] == [201] * RUNS_AT_ONCE
