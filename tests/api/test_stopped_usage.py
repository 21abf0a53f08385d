"""A stopped run keeps the tokens and cost the provider had reported before the stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import httpx
from fastapi import FastAPI

from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import (
    Completion,
    CompletionRequest,
    StreamEvent,
    TextDelta,
    Usage,
)
from promptpro.testing import FakeProviderServer
from tests.api.test_run_lifecycle import (
    SLOW_CHUNKS,
    SLOW_TEXT,
    running_response_id,
    wait_for_status,
)
from tests.providers.helpers import config_for
from tests.support.runs import add_key, create_prompt, stream_run


class ReportsThenWaits:
    """An OpenAI stand-in that reports text and usage, then waits (for a stop) forever."""

    id = "openai"
    display_name = "OpenAI"

    async def stream(
        self, request: CompletionRequest, *, api_key: str
    ) -> AsyncGenerator[StreamEvent, None]:
        yield TextDelta("Partial answer")
        yield Usage(40, 3)
        await asyncio.Event().wait()

    async def complete(self, request: CompletionRequest, *, api_key: str) -> Completion:
        raise AssertionError("this test streams")


async def test_a_stopped_run_keeps_the_usage_already_reported(
    app: FastAPI, runner: httpx.AsyncClient
) -> None:
    app.state.providers.register(ReportsThenWaits(), replace=True)
    model = get_catalogue().models("openai")[0]
    prompt = await create_prompt(runner, model=model.id)
    streaming = asyncio.create_task(
        stream_run(runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(runner, prompt["id"])
    for _ in range(100):  # until the text (and so the usage) has come through
        if app.state.runs.registry.find(response_id).channel._events:
            break
        await asyncio.sleep(0.02)
    assert (await runner.post(f"/api/v1/responses/{response_id}/cancel")).status_code == 202
    events = await asyncio.wait_for(streaming, timeout=10)
    assert events[-1].data["response"]["status"] == "cancelled"
    stored = await wait_for_status(runner, response_id, "cancelled")
    assert stored["content"] == "Partial answer"
    assert (stored["inputTokens"], stored["outputTokens"]) == (40, 3)
    assert stored["costUsd"] == model.cost_usd(40, 3)


async def test_a_stopped_anthropic_run_keeps_the_input_tokens_of_message_start(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    # Anthropic reports the input tokens when the answer starts (message_start), the output
    # ones at its end: a run stopped in between has been charged for its input.
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    app.state.runs.cancel_poll = 0.05
    await add_key(ada, "anthropic")
    fake.configure(text=SLOW_TEXT, chunks=SLOW_CHUNKS, chunk_delay=0.5, input_tokens=321)
    model = get_catalogue().models("anthropic")[0]
    prompt = await create_prompt(ada, model=model.id)
    streaming = asyncio.create_task(
        stream_run(ada, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}})
    )
    response_id = await running_response_id(ada, prompt["id"])
    for _ in range(250):  # until the first words have come through
        if app.state.runs.registry.find(response_id).channel._events:
            break
        await asyncio.sleep(0.02)

    assert (await ada.post(f"/api/v1/responses/{response_id}/cancel")).status_code == 202

    await asyncio.wait_for(streaming, timeout=10)
    stored = await wait_for_status(ada, response_id, "cancelled")
    assert stored["content"].startswith("w0")
    assert stored["inputTokens"] == 321
    assert stored["costUsd"] == model.cost_usd(321, stored["outputTokens"] or 0)
    await app.state.providers.aclose()
