"""Runs in progress are bounded per user and per process, and files can't run out."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from promptpro.app import FILES_PER_RUN, RESERVED_FILES, raise_open_files_limit, runs_per_process
from promptpro.config import Settings
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support.runs import add_key, create_prompt

RUN = {"variables": {"topic": "tea"}}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """At most 2 runs at once per user, and 3 per process."""
    return settings.model_copy(update={"max_runs_per_user": 2, "max_runs_per_process": 3})


async def on_fake(app: FastAPI, client: httpx.AsyncClient, fake: FakeProviderServer) -> int:
    """Point the app at the fake provider, give `client` a key; a prompt of theirs."""
    if not isinstance(app.state.providers, ProviderRegistry) or not getattr(
        app.state, "on_fake", False
    ):
        await app.state.providers.aclose()
        app.state.providers = ProviderRegistry(config_for(fake))
        app.state.on_fake = True
    await add_key(client, "openai")
    return int((await create_prompt(client))["id"])


async def hanging_runs(
    client: httpx.AsyncClient, prompt_id: int, fake: FakeProviderServer, count: int
) -> list[asyncio.Task[httpx.Response]]:
    """`count` runs fired and left waiting on the hanging model (once it has them all)."""
    before = len(fake.requests)
    tasks = [
        asyncio.create_task(client.post(f"/api/v1/prompts/{prompt_id}/run", json=RUN))
        for _ in range(count)
    ]
    for _ in range(1000):
        if len(fake.requests) >= before + count:
            return tasks
        await asyncio.sleep(0.01)
    raise AssertionError("the runs never reached the provider")


@pytest.fixture
def stop_runs(app: FastAPI) -> Iterator[None]:
    """Stop the hanging runs when the test ends (not after the 5 s shutdown grace)."""
    yield
    for run in list(app.state.runs.registry._runs):
        if run.task is not None:
            run.task.cancel()


@pytest.mark.usefixtures("stop_runs")
async def test_a_user_has_at_most_the_set_number_of_runs_in_progress(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(hang=True)
    prompt_id = await on_fake(app, ada, fake)
    await hanging_runs(ada, prompt_id, fake, 2)

    refused = await ada.post(f"/api/v1/prompts/{prompt_id}/run", json=RUN)
    compare = await ada.post(
        f"/api/v1/prompts/{prompt_id}/compare",
        json={**RUN, "models": ["openai/gpt-4o-mini", "openai/gpt-4o"]},
    )

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    problem = refused.json()
    assert problem["type"] == "/problems/too-many-runs"
    assert (problem["running"], problem["limit"], problem["scope"]) == (2, 2, "user")
    assert "2 runs in progress" in problem["detail"]
    assert compare.status_code == 429
    # Someone else may still run: the limit is the user's.
    bobs_prompt = await on_fake(app, bob, fake)
    assert len(await hanging_runs(bob, bobs_prompt, fake, 1)) == 1


@pytest.mark.usefixtures("stop_runs")
async def test_a_process_has_at_most_the_set_number_of_runs_in_progress(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(hang=True)
    prompt_id = await on_fake(app, ada, fake)
    bobs_prompt = await on_fake(app, bob, fake)
    await hanging_runs(ada, prompt_id, fake, 2)
    await hanging_runs(bob, bobs_prompt, fake, 1)

    refused = await bob.post(f"/api/v1/prompts/{bobs_prompt}/run", json=RUN)

    assert refused.status_code == 429
    problem = refused.json()
    assert (problem["running"], problem["limit"], problem["scope"]) == (3, 3, "server")


@pytest.mark.usefixtures("stop_runs")
async def test_an_ended_run_makes_room_for_the_next(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt_id = await on_fake(app, ada, fake)
    for _ in range(5):  # more than the limit, one after the other
        response = await ada.post(f"/api/v1/prompts/{prompt_id}/run", json=RUN)
        assert response.status_code == 201, response.text
    assert len(app.state.runs.registry) == 0


@pytest.fixture
def restore_open_files() -> Iterator[tuple[int, int]]:
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield limits
    resource.setrlimit(resource.RLIMIT_NOFILE, limits)


def test_the_open_files_limit_is_raised_to_the_hard_limit(
    restore_open_files: tuple[int, int],
) -> None:
    _, hard = restore_open_files
    if hard == resource.RLIM_INFINITY or hard < 600:
        pytest.skip("needs a finite hard limit above 600")
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))

    assert raise_open_files_limit() == hard
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard


def test_the_process_cap_stays_well_within_the_open_files(settings: Settings) -> None:
    generous = settings.model_copy(update={"max_runs_per_process": 5000})
    assert runs_per_process(generous, 1024) == (1024 - RESERVED_FILES) // FILES_PER_RUN
    assert runs_per_process(settings, 1024) == 3  # a setting that fits is kept
