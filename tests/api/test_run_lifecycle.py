"""A run belongs to the server: a client leaving doesn't stop it; only a cancel does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.config import Settings
from promptpro.db.models import Response
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.conftest import AppClientFactory
from tests.providers.helpers import config_for
from tests.support.auth import bearer, create_token, login
from tests.support.live import serve
from tests.support.runs import add_key, create_prompt, stream_run


def settings_on(fake: FakeProviderServer, settings: Settings) -> Settings:
    """`settings` with every provider's base URL on the fake server."""
    return settings.model_copy(
        update={
            "openai_base_url": fake.openai_base_url,
            "xai_base_url": fake.xai_base_url,
            "anthropic_base_url": fake.anthropic_base_url,
            "gemini_base_url": fake.gemini_base_url,
        }
    )


SLOW_TEXT = " ".join(f"w{i}" for i in range(20))
SLOW_CHUNKS = 20
SLOW: dict[str, Any] = {"text": SLOW_TEXT, "chunks": SLOW_CHUNKS, "chunk_delay": 0.1}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Streaming runs write their text so far every 0.2 s."""
    return settings.model_copy(update={"run_progress_seconds": 0.2})


@pytest.fixture
async def runner(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> AsyncIterator[httpx.AsyncClient]:
    """ada with an OpenAI key, on an app whose providers are the fake and that looks for
    cancels made elsewhere every 50 ms."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    app.state.runs.cancel_poll = 0.05
    await add_key(ada, "openai")
    yield ada
    await app.state.providers.aclose()


async def wait_for_status(
    client: httpx.AsyncClient, response_id: int, status: str
) -> dict[str, Any]:
    """The response once it has `status` (waiting up to 15 s)."""
    for _ in range(300):
        response: dict[str, Any] = (await client.get(f"/api/v1/responses/{response_id}")).json()
        if response["status"] == status:
            return response
        await asyncio.sleep(0.05)
    raise AssertionError(f"response {response_id} never became {status}")


async def running_response_id(client: httpx.AsyncClient, prompt_id: int) -> int:
    """The id of the prompt's run once it is recorded as running."""
    for _ in range(300):
        items = (await client.get(f"/api/v1/prompts/{prompt_id}/responses")).json()["items"]
        if items and items[0]["status"] == "running":
            return int(items[0]["id"])
        await asyncio.sleep(0.02)
    raise AssertionError("the run was never recorded as running")


async def test_a_client_that_leaves_mid_stream_does_not_stop_the_run(
    settings: Settings, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    token = await create_token(runner)
    with serve(settings_on(fake, settings)) as base_url:
        async with httpx.AsyncClient(base_url=base_url, headers=bearer(token)) as browser:
            async with browser.stream(
                "POST",
                f"/api/v1/prompts/{prompt['id']}/run",
                json={"variables": {"topic": "x"}},
                headers={"Accept": "text/event-stream"},
            ) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("event: delta"):
                        break  # the tab is closed
            response_id = await running_response_id(browser, prompt["id"])
            assert (await browser.get(f"/api/v1/responses/{response_id}")).json()[
                "status"
            ] == "running"
            finished = await wait_for_status(browser, response_id, "completed")
    assert finished["content"] == SLOW_TEXT


async def test_a_cancelled_run_is_kept_with_its_partial_text(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    await asyncio.sleep(0.3)
    cancelled = await runner.post(f"/api/v1/responses/{response_id}/cancel")
    assert cancelled.status_code == 202
    events = await streaming
    assert events[-1].name == "done"
    assert events[-1].data["response"]["status"] == "cancelled"
    stored = await wait_for_status(runner, response_id, "cancelled")
    assert stored["content"]
    assert stored["content"] != SLOW_TEXT
    assert SLOW_TEXT.startswith(stored["content"])


async def test_a_run_is_cancelled_from_another_worker_process(
    runner: httpx.AsyncClient, fake: FakeProviderServer, app_client: AppClientFactory
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    other_worker = await app_client()
    await login(other_worker, "ada")
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    assert (await other_worker.post(f"/api/v1/responses/{response_id}/cancel")).status_code == 202
    events = await asyncio.wait_for(streaming, timeout=10)
    assert events[-1].data["response"]["status"] == "cancelled"
    assert len([e for e in events if e.name == "delta"]) < SLOW_CHUNKS


async def test_a_finished_run_cannot_be_cancelled(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    run = (
        await runner.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    ).json()
    response = await runner.post(f"/api/v1/responses/{run['id']}/cancel")
    assert response.status_code == 409
    assert (await runner.get(f"/api/v1/responses/{run['id']}")).json()["status"] == "completed"


async def test_another_users_run_cannot_be_cancelled(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    assert (await bob.post(f"/api/v1/responses/{response_id}/cancel")).status_code == 404
    events = await streaming
    assert events[-1].data["response"]["status"] == "completed"


async def test_a_streaming_run_keeps_its_text_so_far_in_its_record(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    partial = ""
    for _ in range(300):
        stored = (await runner.get(f"/api/v1/responses/{response_id}")).json()
        if stored["status"] == "running" and stored["content"]:
            partial = stored["content"]
            break
        await asyncio.sleep(0.02)
    events = await asyncio.wait_for(streaming, timeout=10)

    assert partial and partial != SLOW_TEXT and SLOW_TEXT.startswith(partial)
    assert events[-1].data["response"]["content"] == SLOW_TEXT
    async with app.state.engine.connect() as connection:
        owner = await connection.scalar(
            sa.select(Response.worker_id).where(Response.id == response_id)
        )
    assert owner == app.state.runs.worker_id  # the worker whose heartbeat vouches for it
