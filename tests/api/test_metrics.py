"""`/metrics`: closed unless opened or given its token; counts runs, requests and the pool."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt

TOKEN = "metrics-token-0123456789abcdef"


def sample(name: str, **labels: str) -> float:
    """The current value of one metric series (0 when it doesn't exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def configure(app: FastAPI, **settings: object) -> None:
    app.state.settings = app.state.settings.model_copy(update=settings)


async def test_metrics_are_closed_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "promptpro_" not in response.text


async def test_metrics_need_the_token_as_a_bearer_when_one_is_set(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    configure(app, metrics_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert TOKEN not in refused.text
    allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200
    assert allowed.headers["content-type"].startswith("text/plain")
    assert "promptpro_http_requests_total" in allowed.text


async def test_metrics_can_be_opened_to_anyone(app: FastAPI, client: httpx.AsyncClient) -> None:
    configure(app, metrics_public=True)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "promptpro_db_connections_in_use" in response.text


async def test_requests_are_counted_by_route_template_not_raw_path(
    ada: httpx.AsyncClient,
) -> None:
    template = "/api/v1/prompts/{prompt_id}"
    before = sample("promptpro_http_requests_total", method="GET", route=template, status="404")
    for prompt_id in (987654, 987655):
        assert (await ada.get(f"/api/v1/prompts/{prompt_id}")).status_code == 404
    after = sample("promptpro_http_requests_total", method="GET", route=template, status="404")
    assert after - before == 2
    raw = sample("promptpro_http_requests_total", method="GET", route="/api/v1/prompts/987654")
    assert raw == 0
    for path, route in (
        ("/docs", "/docs"),
        ("/healthz", "/healthz"),
        ("/static/0123456789ab/css/base.css", "/static/{path}"),
    ):
        before = sample("promptpro_http_requests_total", method="GET", route=route, status="200")
        assert (await ada.get(path)).status_code == 200
        after = sample("promptpro_http_requests_total", method="GET", route=route, status="200")
        assert after - before == 1, route
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    before = sample("promptpro_http_requests_total", **unmatched)
    await ada.get("/no/such/thing/at/all")
    assert sample("promptpro_http_requests_total", **unmatched) - before == 1


async def test_runs_are_counted_by_provider_model_and_outcome(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    model = "anthropic/metrics-model"
    labels = {"provider": "anthropic", "model": model}
    started = sample("promptpro_runs_started_total", **labels)
    completed = sample("promptpro_runs_ended_total", **labels, outcome="completed")
    failed = sample("promptpro_runs_ended_total", **labels, outcome="failed")
    bad_keys = sample("promptpro_provider_errors_total", provider="anthropic", kind="bad-key")
    durations = sample("promptpro_run_duration_seconds_count", provider="anthropic")
    prompt = await create_prompt(runner, model=model)
    run = f"/api/v1/prompts/{prompt['id']}/run"
    assert (await runner.post(run, json={"variables": {"topic": "x"}})).status_code == 201
    fake.configure(status=401)
    assert (await runner.post(run, json={"variables": {"topic": "x"}})).status_code == 502
    assert sample("promptpro_runs_started_total", **labels) - started == 2
    assert sample("promptpro_runs_ended_total", **labels, outcome="completed") - completed == 1
    assert sample("promptpro_runs_ended_total", **labels, outcome="failed") - failed == 1
    assert (
        sample("promptpro_provider_errors_total", provider="anthropic", kind="bad-key") - bad_keys
        == 1
    )
    assert sample("promptpro_run_duration_seconds_count", provider="anthropic") - durations == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_pool_gauge_goes_up_and_back_down(app: FastAPI) -> None:
    # The app's own housekeeping may borrow a connection meanwhile: a few tries, until one
    # sees only ours come and go.
    readings = []
    for _ in range(20):
        idle = sample("promptpro_db_connections_in_use")
        async with app.state.engine.connect():
            held = sample("promptpro_db_connections_in_use")
        after = sample("promptpro_db_connections_in_use")
        readings.append((idle, held, after))
        if (held, after) == (idle + 1, idle):
            break
    else:
        raise AssertionError(f"the gauge never followed one connection: {readings}")
