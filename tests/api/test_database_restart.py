"""A database restart while runs stream costs them a wait, never their answers.

On a PostgreSQL server of the test's own (the shared one is never restarted): runs are in
flight on a slow model when the server restarts, and every one of them is stored completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.app import create_app
from promptpro.config import load_settings
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support import databases
from tests.support.auth import register
from tests.support.private_postgres import PrivatePostgres, available, private_postgres
from tests.support.runs import add_key, create_prompt, stream_run

pytestmark = pytest.mark.skipif(not available(), reason="PostgreSQL's server is not installed")

WORDS = 30
TEXT = " ".join(f"w{i}" for i in range(WORDS))
RUNS = 6  # of each kind: streamed, and answered as JSON
RUN = {"variables": {"topic": "tea"}}


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.fixture
async def app(server: PrivatePostgres, tmp_path: Path) -> AsyncIterator[FastAPI]:
    url = await asyncio.to_thread(databases.create_postgres_database, server.url)
    settings = load_settings(database_url=url, data_dir=tmp_path / "data", secret_key="s" * 64)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_runs_in_flight_through_a_database_restart_are_all_stored_completed(
    app: FastAPI, server: PrivatePostgres, fake: FakeProviderServer
) -> None:
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    # No status polls meanwhile: the runs' end writes are the first to meet the connections
    # the restart killed, as they did in production.
    app.state.runs.cancel_poll = 60
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ada:
        await register(ada, "ada")
        await add_key(ada, "openai")
        prompt = await create_prompt(ada)
        path = f"/api/v1/prompts/{prompt['id']}/run"
        # About 3 s a run (a non-streamed answer comes whole, after `first_delay`).
        fake.configure(text=TEXT, chunks=WORDS, first_delay=2.5, chunk_delay=0.02)
        streamed = [asyncio.create_task(stream_run(ada, path, RUN)) for _ in range(RUNS)]
        answered = [asyncio.create_task(ada.post(path, json=RUN)) for _ in range(RUNS)]
        await all_running(ada, prompt["id"], 2 * RUNS)

        # Every pooled connection dies; the runs end just after the server is back, and their
        # writes meet the dead connections (then, if too early, refused ones).
        await asyncio.to_thread(server.restart, 0.5)

        streams = await asyncio.wait_for(asyncio.gather(*streamed), timeout=60)
        responses = await asyncio.wait_for(asyncio.gather(*answered), timeout=60)
        for events in streams:
            assert events[-1].name == "done", events[-1].data
            assert events[-1].data["response"]["status"] == "completed"
        for response in responses:
            assert response.status_code == 201, response.text
            assert response.json()["status"] == "completed"
        listed = (await ada.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"]
    assert len(listed) == 2 * RUNS
    assert {item["status"] for item in listed} == {"completed"}
    assert {item["content"] for item in listed} == {TEXT}


async def all_running(client: httpx.AsyncClient, prompt_id: int, count: int) -> None:
    """Once `count` runs of the prompt are recorded as running (waiting up to 15 s)."""
    items: list[dict[str, Any]] = []
    for _ in range(300):
        items = (await client.get(f"/api/v1/prompts/{prompt_id}/responses")).json()["items"]
        if len([item for item in items if item["status"] == "running"]) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(items)} runs were recorded as running")
