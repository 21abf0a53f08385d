"""Pages, CSS, JS and JSON go out gzipped; a run's event stream never is, and still streams."""

from __future__ import annotations

import httpx
import pytest

from promptpro.config import Settings
from promptpro.testing import FakeProviderServer
from promptpro.web.static import static_url
from tests.support.auth import bearer, create_token
from tests.support.live import serve
from tests.support.runs import create_prompt

GZIP = {"Accept-Encoding": "gzip"}
SLOW = {"text": " ".join(f"w{i}" for i in range(20)), "chunks": 20, "chunk_delay": 0.1}


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


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/prompts", "text/html"),
        (static_url("css/base.css"), "text/css"),
        (static_url("js/run.js"), "text/javascript"),
        ("/api/v1/models", "application/json"),
        ("/openapi.json", "application/json"),
    ],
)
async def test_pages_styles_scripts_and_json_are_gzipped(
    ada: httpx.AsyncClient, path: str, media_type: str
) -> None:
    response = await ada.get(path, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert int(response.headers["content-length"]) < len(response.content)


async def test_small_answers_are_sent_as_they_are(ada: httpx.AsyncClient) -> None:
    response = await ada.get("/healthz", headers=GZIP)
    assert "content-encoding" not in response.headers


async def test_a_run_stream_is_not_compressed_and_its_events_arrive_as_they_happen(
    settings: Settings, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(**SLOW)
    prompt = await create_prompt(runner)
    token = await create_token(runner)
    with serve(settings_on(fake, settings)) as base_url:
        async with (
            httpx.AsyncClient(base_url=base_url, headers=bearer(token)) as client,
            client.stream(
                "POST",
                f"/api/v1/prompts/{prompt['id']}/run",
                json={"variables": {"topic": "x"}},
                headers={"Accept": "text/event-stream", **GZIP},
            ) as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.headers
            lines = stream.aiter_lines()
            async for line in lines:
                if line.startswith("event: delta"):
                    break
            # The first text came while the run still goes on: nothing held it back.
            items = (await client.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()
            assert items["items"][0]["status"] == "running"
            rest = [line async for line in lines]
    assert "event: done" in rest
