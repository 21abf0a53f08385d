"""Re-running a response exactly, and following a run from a page opened while it runs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from promptpro.db.models import ResponseStatus
from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate, ResponseUpdate
from promptpro.storage import Storage
from promptpro.testing import FakeProviderServer
from tests.api.test_run_lifecycle import SLOW, SLOW_TEXT, running_response_id
from tests.conftest import AppClientFactory
from tests.support.auth import login
from tests.support.runs import create_prompt, parse_events, stream_run

FAKE_TEXT = "Hello from the fake provider."


async def a_run(client: httpx.AsyncClient, prompt_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/prompts/{prompt_id}/run", json={"variables": {"topic": "tea"}, **body}
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def test_a_rerun_repeats_the_version_model_parameters_and_variables(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    first = await a_run(
        runner, prompt["id"], model="anthropic/claude-x", parameters={"temperature": 1.25}
    )
    # The prompt changes after: the re-run still runs the wording that produced the answer.
    changed = await runner.patch(
        f"/api/v1/prompts/{prompt['id']}",
        json={"content": "Write a limerick about {{topic}}.", "parameters": {"topP": 0.5}},
    )
    assert changed.status_code == 200, changed.text

    response = await runner.post(f"/api/v1/responses/{first['id']}/rerun")
    assert response.status_code == 201, response.text
    again = response.json()
    assert again["id"] != first["id"]
    assert again["status"] == "completed"
    for field in ("model", "renderedInput", "variables", "parameters", "promptVersionId"):
        assert again[field] == first[field], field
    assert again["renderedInput"] == "Write a haiku about tea."
    body = fake.last_request.body
    assert body["temperature"] == 1.25
    assert "top_p" not in body  # the prompt's new parameter is not mixed in
    listed = (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"]
    assert [item["id"] for item in listed] == [again["id"], first["id"]]


async def test_a_streamed_rerun_sends_the_same_events_as_a_run(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    first = await a_run(runner, prompt["id"])
    events = await stream_run(runner, f"/api/v1/responses/{first['id']}/rerun", {})
    assert events[0].name == "start"
    assert events[-1].name == "done"
    assert "".join(e.data["text"] for e in events if e.name == "delta") == FAKE_TEXT
    assert events[-1].data["response"]["promptVersionId"] == first["promptVersionId"]
    assert events[0].data["responseId"] != first["id"]


async def test_another_users_response_cannot_be_rerun_or_followed(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    first = await a_run(runner, prompt["id"])
    assert (await bob.post(f"/api/v1/responses/{first['id']}/rerun")).status_code == 404
    assert (await bob.get(f"/api/v1/responses/{first['id']}/events")).status_code == 404
    assert (await runner.post("/api/v1/responses/99999999/rerun")).status_code == 404
    assert (await runner.get("/api/v1/responses/0/events")).status_code == 404
    assert (await runner.post("/api/v1/responses/abc/rerun")).status_code == 422
    listed = (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"]
    assert len(listed) == 1


async def test_a_rerun_needs_the_key_like_a_run(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    first = await a_run(runner, prompt["id"])
    assert (await runner.delete("/api/v1/keys/openai")).status_code == 204
    response = await runner.post(f"/api/v1/responses/{first['id']}/rerun")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/no-key")


async def test_a_finished_run_is_replayed(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    first = await a_run(runner, prompt["id"])
    response = await runner.get(f"/api/v1/responses/{first['id']}/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert [event.name for event in events] == ["start", "delta", "done"]
    assert events[1].data["text"] == FAKE_TEXT
    assert events[-1].data["response"]["id"] == first["id"]


async def test_a_failed_run_is_replayed_with_its_problem(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    fake.configure(status=401, error_message="bad key")
    failed = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    response_id = failed.json()["responseId"]
    events = parse_events((await runner.get(f"/api/v1/responses/{response_id}/events")).text)
    assert events[-1].name == "error"
    assert events[-1].data["problem"]["type"] == "/problems/bad-key"


async def test_a_running_run_in_this_process_is_followed_from_its_start(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    await asyncio.sleep(0.3)  # some text has arrived: the follower gets it all the same
    followed = await runner.get(f"/api/v1/responses/{response_id}/events")
    events = parse_events(followed.text)
    assert events[0].name == "start"
    assert "".join(e.data["text"] for e in events if e.name == "delta") == SLOW_TEXT
    assert events[-1].name == "done"
    assert events[-1].data["response"]["status"] == "completed"
    await streaming


async def test_a_run_in_another_worker_process_is_followed_to_its_end(
    runner: httpx.AsyncClient, fake: FakeProviderServer, app_client: AppClientFactory
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    other_worker = await app_client(follow_poll_seconds=0.05)
    await login(other_worker, "ada")
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    followed = await other_worker.get(f"/api/v1/responses/{response_id}/events")
    events = parse_events(followed.text)
    assert events[0].name == "start"
    assert "".join(e.data["text"] for e in events if e.name == "delta") == SLOW_TEXT
    assert events[-1].name == "done"
    assert events[-1].data["response"]["content"] == SLOW_TEXT
    await streaming


async def test_a_run_of_another_process_is_followed_as_its_stored_text_grows(
    app: FastAPI, runner: httpx.AsyncClient
) -> None:
    """No run in this process: the stored row is read again and again, and only the text
    added since the last read is sent on, until the row says the run ended."""
    app.state.settings = app.state.settings.model_copy(update={"follow_poll_seconds": 0.05})
    prompt = await create_prompt(runner)
    owner_id = (await runner.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        row = await Storage(session).create_response(
            owner_id,
            prompt["id"],
            ResponseCreate(model="openai/gpt-4o-mini", status=ResponseStatus.RUNNING),
        )
        response_id = row.id

    async def store(**changes: Any) -> None:
        async with unit_of_work(app.state.session_factory) as session:
            await Storage(session).update_response(
                owner_id, response_id, ResponseUpdate.model_validate(changes)
            )

    following = asyncio.create_task(runner.get(f"/api/v1/responses/{response_id}/events"))
    await asyncio.sleep(0.2)
    await store(content="Hel")
    await asyncio.sleep(0.2)
    await store(content="Hello")
    await asyncio.sleep(0.2)
    await store(content="Hello there", status=ResponseStatus.COMPLETED, output_tokens=2)
    events = parse_events((await asyncio.wait_for(following, timeout=10)).text)
    assert events[0].name == "start"
    assert [e.data["text"] for e in events if e.name == "delta"] == ["Hel", "lo", " there"]
    assert events[-1].name == "done"
    assert events[-1].data["response"]["outputTokens"] == 2
