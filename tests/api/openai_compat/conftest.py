"""What the OpenAI-compatible endpoint's tests share: the official SDK as the client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI

from tests.support.auth import create_token
from tests.support.runs import create_prompt

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6", "gemini/gemini-2.5-flash"]
SaidTo = Callable[..., openai.AsyncOpenAI]


@pytest.fixture
async def sdk(app: FastAPI, runner: httpx.AsyncClient) -> AsyncIterator[SaidTo]:
    """Makes `openai.AsyncOpenAI` clients on the app (ada's token unless another is given)."""
    token = await create_token(runner, "sdk")
    clients: list[openai.AsyncOpenAI] = []

    def make(api_key: str = token) -> openai.AsyncOpenAI:
        transport = httpx.ASGITransport(app=app)
        client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url="http://testserver/v1",
            max_retries=0,
            # The SDK's annotation names its own httpx build; an httpx client works alike.
            http_client=httpx.AsyncClient(transport=transport),  # type: ignore[arg-type]
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def responses_of(client: httpx.AsyncClient, prompt_id: int) -> list[dict[str, Any]]:
    listed = await client.get(f"/api/v1/prompts/{prompt_id}/responses")
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def named_prompt(client: httpx.AsyncClient) -> dict[str, Any]:
    """support/triage: a chat prompt on gemini with a staging label on version 2."""
    prompt = await create_prompt(
        client,
        name="support/triage",
        type="chat",
        model="gemini/gemini-2.5-flash",
        messages=[
            {"role": "system", "content": "You triage mail for {{team}}."},
            {"role": "user", "content": "Version one."},
        ],
        parameters={"temperature": 0.2, "maxTokens": 100},
    )
    changed = await client.patch(
        f"/api/v1/prompts/{prompt['id']}",
        json={
            "messages": [
                {"role": "system", "content": "You triage mail for {{team}}, kindly."},
            ]
        },
    )
    assert changed.status_code == 200, changed.text
    moved = await client.put(f"/api/v1/prompts/{prompt['id']}/labels/staging", json={"version": 2})
    assert moved.status_code == 200, moved.text
    return prompt
