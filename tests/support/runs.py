"""Helpers for tests that run prompts: keys, a prompt, and reading server-sent events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

API_KEY = "sk-test-0123456789abcdefghij"
PROVIDERS = ["openai", "anthropic", "gemini", "xai"]


@dataclass(frozen=True)
class Event:
    """One server-sent event."""

    name: str
    data: dict[str, Any]


async def add_key(client: httpx.AsyncClient, provider: str, key: str = API_KEY) -> None:
    """Store a provider key for the signed-in user."""
    response = await client.put(f"/api/v1/keys/{provider}", json={"key": key})
    assert response.status_code == 200, response.text


async def create_prompt(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """A prompt of the signed-in user (a haiku about {{topic}} on openai/gpt-4o-mini)."""
    body = {
        "title": "Haiku",
        "content": "Write a haiku about {{topic}}.",
        "model": "openai/gpt-4o-mini",
        "parameters": {"temperature": 0.5, "maxTokens": 64},
        **fields,
    }
    response = await client.post("/api/v1/prompts", json=body)
    assert response.status_code == 201, response.text
    prompt: dict[str, Any] = response.json()
    return prompt


def parse_events(text: str) -> list[Event]:
    """The events of an SSE body (comments, such as keep-alives, skipped)."""
    events = []
    for block in text.strip().split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
        if data:
            events.append(Event(name, json.loads("\n".join(data))))
    return events


async def stream_run(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[Event]:
    """POST a run asking for SSE and read every event to the end."""
    response = await client.post(path, json=body, headers={"Accept": "text/event-stream"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_events(response.text)
