"""The fake server itself: wire details the SDK tests do not look at, and its lifecycle."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from promptpro.testing import FakeProviderServer


def sse_data(text: str) -> list[str]:
    return [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]


def test_openai_streams_end_with_done_and_a_usage_chunk_when_asked(
    fake: FakeProviderServer,
) -> None:
    body = {"model": "m", "stream": True, "stream_options": {"include_usage": True}}
    response = httpx.post(f"{fake.openai_base_url}/chat/completions", json=body)

    data = sse_data(response.text)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert data[-1] == "[DONE]"
    assert json.loads(data[-2])["usage"]["prompt_tokens"] == 12
    assert json.loads(data[-3])["choices"][0]["finish_reason"] == "stop"


def test_openai_streams_have_no_usage_chunk_unless_asked(fake: FakeProviderServer) -> None:
    response = httpx.post(
        f"{fake.openai_base_url}/chat/completions", json={"model": "m", "stream": True}
    )

    assert all("usage" not in json.loads(d) for d in sse_data(response.text)[:-1])


def test_anthropic_streams_name_their_events(fake: FakeProviderServer) -> None:
    response = httpx.post(f"{fake.anthropic_base_url}/v1/messages", json={"stream": True})

    events = [line[len("event: ") :] for line in response.text.splitlines() if "event:" in line]

    assert events[0] == "message_start"
    assert events[-2:] == ["message_delta", "message_stop"]
    assert events.count("content_block_delta") == 3


def test_gemini_answers_on_v1beta_too(fake: FakeProviderServer) -> None:
    url = f"{fake.gemini_base_url}/v1beta/models/gemini-2.5-flash:generateContent"
    response = httpx.post(url, json={})

    assert response.json()["usageMetadata"]["candidatesTokenCount"] == 7
    assert fake.last_request.model == "gemini-2.5-flash"


def test_an_error_carries_retry_after(fake: FakeProviderServer) -> None:
    fake.configure(status=429, retry_after=3)

    response = httpx.post(f"{fake.openai_base_url}/chat/completions", json={"model": "m"})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_per_model_script_wins_over_the_default(fake: FakeProviderServer) -> None:
    fake.configure(text="default")
    fake.configure_model("special", text="special")
    url = f"{fake.openai_base_url}/chat/completions"

    texts = [
        httpx.post(url, json={"model": model}).json()["choices"][0]["message"]["content"]
        for model in ("plain", "special")
    ]

    assert texts == ["default", "special"]


def test_requests_are_recorded_with_headers_and_body(fake: FakeProviderServer) -> None:
    httpx.post(
        f"{fake.openai_base_url}/chat/completions",
        json={"model": "m", "temperature": 0.5},
        headers={"Authorization": "Bearer k"},
    )

    recorded = fake.last_request
    assert recorded.headers["authorization"] == "Bearer k"
    assert recorded.body["temperature"] == 0.5
    assert len(fake.requests) == 1


def test_it_starts_on_a_free_port_and_stops_promptly_even_with_a_hanging_request() -> None:
    server = FakeProviderServer().start()
    assert server.port != 0
    server.configure(hang=True)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server.url}/v1/messages", json={}, timeout=0.1)

    started = time.monotonic()
    server.stop()

    assert time.monotonic() - started < 5
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{server.url}/v1/messages", json={}, timeout=1)
