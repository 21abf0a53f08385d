"""Lone surrogates (half a UTF-16 pair, e.g. JSON's "\\ud800"): refused when a client sends
one, replaced by U+FFFD when a model does, like NUL; never a stored row left `running`."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from promptpro.services.text import storable
from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt, stream_run

WAIT_S = 10


def test_storable_text_replaces_nul_and_lone_surrogates_only() -> None:
    assert storable("a\x00b\ud800c\udfffd") == "a\ufffdb\ufffdc\ufffdd"
    assert storable("tea 🍵 é") == "tea 🍵 é"


@pytest.mark.parametrize("action", ["run", "compare"])
async def test_a_variable_with_a_lone_surrogate_is_a_422_before_any_call(
    runner: httpx.AsyncClient, fake: FakeProviderServer, action: str
) -> None:
    prompt = await create_prompt(runner)
    body = b'{"variables": {"topic": "tea \\ud800"}'
    if action == "compare":
        body += b', "models": ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"]'
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/{action}",
        content=body + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "variables.topic"
    assert "surrogate" in response.json()["errors"][0]["message"]
    assert fake.requests == []
    assert (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"] == []


async def test_a_lone_surrogate_from_the_model_is_kept_as_the_replacement_character(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="tea\ud83dtime", chunks=1)
    prompt = await create_prompt(runner)
    path = f"/api/v1/prompts/{prompt['id']}/run"
    response = await asyncio.wait_for(runner.post(path, json={"variables": {"topic": "x"}}), WAIT_S)
    assert response.status_code == 201, response.text
    assert response.json()["content"] == "tea\ufffdtime"
    stored = (await runner.get(f"/api/v1/responses/{response.json()['id']}")).json()
    assert stored["content"] == "tea\ufffdtime"


async def test_a_streamed_lone_surrogate_is_replaced_in_the_stream_and_the_record(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="ab\udc00cd", chunks=2)
    prompt = await create_prompt(runner)
    path = f"/api/v1/prompts/{prompt['id']}/run"
    events = await asyncio.wait_for(stream_run(runner, path, {"variables": {"topic": "x"}}), WAIT_S)
    assert events[-1].name == "done", events[-1]
    text = "".join(event.data["text"] for event in events if event.name == "delta")
    assert text == "ab\ufffdcd"
    stored = (await runner.get(f"/api/v1/responses/{events[-1].data['response']['id']}")).json()
    assert stored["content"] == "ab\ufffdcd" and stored["status"] == "completed"
