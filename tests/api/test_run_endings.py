"""A run always ends for whoever waits on it, even when its answer can't be kept as it came."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt, stream_run

RUN = {"variables": {"topic": "tea"}}
WAIT_S = 10  # a run that hangs fails the test instead of the suite


@pytest.fixture
def database_down(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write of a run's record fails, as when the database goes away mid-run (and
    stays away longer than a run keeps trying: 0.2 s here)."""
    app.state.runs.store_retry = 0.2

    async def fail(*_: Any, **__: Any) -> int:
        raise OperationalError("INSERT INTO responses", None, ConnectionError("gone"))

    monkeypatch.setattr(app.state.runs.records, "record", fail)


async def model_answering(fake: FakeProviderServer) -> None:
    """Once the fake provider has the run's request (waiting up to 10 s)."""
    for _ in range(1000):
        if fake.requests:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the run never reached the provider")


async def test_a_nul_from_the_model_is_kept_as_the_replacement_character(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="tea\x00time", chunks=1)
    prompt = await create_prompt(runner)

    response = await asyncio.wait_for(
        runner.post(f"/api/v1/prompts/{prompt['id']}/run", json=RUN), WAIT_S
    )

    assert response.status_code == 201, response.text
    assert response.json()["content"] == "tea\ufffdtime"
    stored = (await runner.get(f"/api/v1/responses/{response.json()['id']}")).json()
    assert stored["content"] == "tea\ufffdtime"


@pytest.mark.usefixtures("database_down")
async def test_a_run_whose_record_cannot_be_stored_is_a_503_not_a_hang(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)

    response = await asyncio.wait_for(
        runner.post(f"/api/v1/prompts/{prompt['id']}/run", json=RUN), WAIT_S
    )

    assert response.status_code == 503
    problem = response.json()
    assert problem["type"] == "/problems/not-stored"
    assert "run it again" in problem["detail"]
    assert "responseId" not in problem
    assert "gone" not in response.text  # no driver detail reaches the client


@pytest.mark.usefixtures("database_down")
async def test_a_stream_whose_record_cannot_be_stored_ends_with_an_error_event(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)

    events = await asyncio.wait_for(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", RUN), WAIT_S
    )

    assert [event.name for event in events if event.name != "delta"] == ["error"]
    assert "".join(event.data["text"] for event in events if event.name == "delta")
    error = events[-1].data
    assert error["responseId"] is None and error["response"] is None
    assert error["problem"]["type"] == "/problems/not-stored"


async def test_a_run_whose_prompt_is_deleted_while_it_runs_says_so(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    app.state.runs.record_after = WAIT_S  # no `running` row: the whole record comes at the end
    fake.configure(first_delay=1.0)
    prompt = await create_prompt(runner)

    running = asyncio.create_task(runner.post(f"/api/v1/prompts/{prompt['id']}/run", json=RUN))
    await model_answering(fake)
    assert (await runner.delete(f"/api/v1/prompts/{prompt['id']}")).status_code == 204
    response = await asyncio.wait_for(running, WAIT_S)

    assert response.status_code == 404
    assert "deleted while it ran" in response.json()["detail"]


async def test_compare_says_when_a_models_record_cannot_be_stored(
    runner: httpx.AsyncClient, database_down: None
) -> None:
    prompt = await create_prompt(runner)
    body = {**RUN, "models": ["openai/gpt-4o-mini", "openai/gpt-4o"]}

    response = await asyncio.wait_for(
        runner.post(f"/api/v1/prompts/{prompt['id']}/compare", json=body), WAIT_S
    )

    assert response.status_code == 503
    assert response.json()["type"] == "/problems/not-stored"


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "sse"])
async def test_a_record_write_on_a_locked_or_lost_database_is_retried_until_stored(
    app: FastAPI, runner: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    records = app.state.runs.records
    failures = [
        OperationalError(
            "INSERT INTO responses", None, sqlite3.OperationalError("database is locked")
        ),
        OperationalError("UPDATE responses", None, ConnectionResetError("gone")),
    ]

    def flaky(write: Any) -> Any:
        async def attempt(*args: Any, **kwargs: Any) -> Any:
            if failures:
                raise failures.pop(0)
            return await write(*args, **kwargs)

        return attempt

    monkeypatch.setattr(records, "record", flaky(records.record))
    monkeypatch.setattr(records, "finish", flaky(records.finish))
    prompt = await create_prompt(runner)
    path = f"/api/v1/prompts/{prompt['id']}/run"

    if streamed:
        events = await asyncio.wait_for(stream_run(runner, path, RUN), WAIT_S)
        assert events[-1].name == "done", events[-1]
        stored = events[-1].data["response"]
    else:
        response = await asyncio.wait_for(runner.post(path, json=RUN), WAIT_S)
        assert response.status_code == 201, response.text
        stored = response.json()

    assert not failures  # both failures were met, and waited out
    assert stored["status"] == "completed"
    assert (await runner.get(f"/api/v1/responses/{stored['id']}")).json()["status"] == "completed"
