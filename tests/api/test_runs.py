"""Running a prompt: the answer from each provider, kept with everything that produced it."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import SHORT_TIMEOUTS, config_for
from tests.support.runs import PROVIDERS, create_prompt, stream_run

FAKE_TEXT = "Hello from the fake provider."


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_run_keeps_the_answer_and_everything_that_produced_it(
    runner: httpx.AsyncClient, fake: FakeProviderServer, provider: str
) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run",
        json={"model": f"{provider}/some-model", "variables": {"topic": "tea"}},
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "completed"
    assert run["content"] == FAKE_TEXT
    assert run["model"] == f"{provider}/some-model"
    assert run["renderedInput"] == "Write a haiku about tea."
    assert run["variables"] == {"topic": "tea"}
    assert run["parameters"]["temperature"] == 0.5
    assert (run["inputTokens"], run["outputTokens"]) == (12, 7)
    assert run["generationTime"] > 0
    assert run["timeToFirstToken"] is not None
    assert run["costUsd"] is None  # not in the catalogue
    versions = (await runner.get(f"/api/v1/prompts/{prompt['id']}/versions")).json()
    assert run["promptVersionId"] == versions[0]["id"]
    stored = (await runner.get(f"/api/v1/responses/{run['id']}")).json()
    assert stored == run
    assert fake.last_request is not None
    assert fake.last_request.provider == ("openai" if provider == "xai" else provider)


async def test_a_run_is_priced_from_the_catalogue(runner: httpx.AsyncClient) -> None:
    model = get_catalogue().models("openai")[0]
    prompt = await create_prompt(runner, model=model.id)
    run = (
        await runner.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    ).json()
    assert run["model"] == model.id
    assert run["costUsd"] == pytest.approx(model.cost_usd(12, 7))


async def test_a_run_uses_the_prompts_parameters_unless_the_request_overrides_them(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run",
        json={"variables": {"topic": "x"}, "parameters": {"temperature": 1.5, "stop": ["END"]}},
    )
    assert fake.last_request is not None
    body = fake.last_request.body
    assert body["temperature"] == 1.5
    assert body["stop"] == ["END"]
    assert body["max_completion_tokens"] == 64


async def test_a_streamed_run_sends_start_deltas_and_done(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    events = await stream_run(
        runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "tea"}}
    )
    assert events[0].name == "start"
    response_id = events[0].data["responseId"]
    deltas = [event for event in events if event.name == "delta"]
    assert len(deltas) == 3
    assert "".join(event.data["text"] for event in deltas) == FAKE_TEXT
    assert events[-1].name == "done"
    assert events[-1].data["response"]["id"] == response_id
    assert events[-1].data["response"]["content"] == FAKE_TEXT
    assert all(event.data["model"] == "openai/gpt-4o-mini" for event in events)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variables": {}}, "variables.topic"),
        ({"variables": {"topic": "x"}, "model": "nope"}, "model"),
        ({"variables": {"topic": "x"}, "model": "gemini/gemini..pro"}, "model"),
        ({"variables": {"topic": "x"}, "model": "gemini/x/../../files"}, "model"),
        ({"variables": {"topic": "x"}, "parameters": {"temperature": 3}}, "parameters.temperature"),
        ({"variables": {"topic": "x"}, "parameters": {"seed": 1}}, "parameters.seed"),
    ],
)
async def test_bad_run_input_is_a_422_naming_the_field(
    runner: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(f"/api/v1/prompts/{prompt['id']}/run", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    listed = await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")
    assert listed.json()["items"] == []


async def test_a_run_whose_filled_in_prompt_is_over_the_limit_is_a_422_before_any_call(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"max_rendered_input_chars": 50})
    prompt = await create_prompt(runner, content="{{topic}}" * 10)
    path = f"/api/v1/prompts/{prompt['id']}/run"
    response = await runner.post(path, json={"variables": {"topic": "x" * 6}})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "variables"
    assert "limit of 50" in body["detail"]
    assert fake.requests == []
    assert (await runner.get(f"/api/v1/prompts/{prompt['id']}/responses")).json()["items"] == []
    ok = await runner.post(path, json={"variables": {"topic": "x" * 5}})
    assert ok.status_code == 201, ok.text


async def test_a_prompt_without_a_model_needs_one_in_the_request(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner, model=None)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "model"


async def test_an_unknown_provider_is_a_422(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run",
        json={"variables": {"topic": "x"}, "model": "mystery/model"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unknown-model"


async def test_running_without_a_key_says_where_to_add_one(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(ada)
    response = await ada.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/no-key"
    assert "/api/v1/keys/openai" in problem["detail"]


@pytest.mark.parametrize(
    ("knobs", "status", "type_"),
    [
        ({"status": 401}, 502, "/problems/bad-key"),
        ({"status": 429, "retry_after": 30}, 429, "/problems/rate-limited"),
        ({"status": 500}, 502, "/problems/upstream"),
        ({"status": 404}, 422, "/problems/unknown-model"),
        ({"status": 400}, 422, "/problems/invalid-request"),
    ],
)
async def test_a_provider_failure_is_its_own_problem_and_the_run_is_kept_as_failed(
    runner: httpx.AsyncClient,
    fake: FakeProviderServer,
    knobs: dict[str, object],
    status: int,
    type_: str,
) -> None:
    fake.configure(**knobs)
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == status
    problem = response.json()
    assert problem["type"] == type_
    if status == 429:
        assert response.headers["retry-after"] == "30"
    stored = (await runner.get(f"/api/v1/responses/{problem['responseId']}")).json()
    assert stored["status"] == "failed"
    assert stored["error"]["type"] == type_
    assert "sk-test" not in response.text


async def test_a_timeout_is_a_504(
    app: FastAPI, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake, timeouts=SHORT_TIMEOUTS))
    fake.configure(hang=True)
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == 504
    assert response.json()["type"] == "/problems/timeout"


async def test_a_cut_stream_keeps_the_partial_text(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="one two three four", chunks=4, cut_after=2)
    prompt = await create_prompt(runner)
    events = await stream_run(
        runner, f"/api/v1/prompts/{prompt['id']}/run", {"variables": {"topic": "x"}}
    )
    assert events[-1].name == "error"
    assert events[-1].data["problem"]["type"] == "/problems/upstream"
    stored = events[-1].data["response"]
    assert stored["status"] == "failed"
    assert stored["content"] == "".join(e.data["text"] for e in events if e.name == "delta")
    assert stored["content"]


async def test_compare_runs_each_model_and_one_failure_does_not_stop_the_others(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure_model("broken", status=500)
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/compare",
        json={
            "models": ["openai/gpt-4o-mini", "anthropic/claude-x", "gemini/broken"],
            "variables": {"topic": "x"},
        },
    )
    assert response.status_code == 201
    by_model = {run["model"]: run for run in response.json()}
    assert by_model["openai/gpt-4o-mini"]["status"] == "completed"
    assert by_model["anthropic/claude-x"]["content"] == FAKE_TEXT
    assert by_model["gemini/broken"]["status"] == "failed"


async def test_compared_models_stream_side_by_side(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="a b c d e f", chunks=6, chunk_delay=0.05)
    prompt = await create_prompt(runner)
    models = ["openai/gpt-4o-mini", "anthropic/claude-x"]
    events = await stream_run(
        runner,
        f"/api/v1/prompts/{prompt['id']}/compare",
        {"models": models, "variables": {"topic": "x"}},
    )
    deltas = [event.data["model"] for event in events if event.name == "delta"]
    # Side by side, not one after the other: the second model speaks before the first ends.
    first_model_done = max(i for i, model in enumerate(deltas) if model == deltas[0])
    assert any(model != deltas[0] for model in deltas[:first_model_done])
    assert {event.data["model"] for event in events if event.name == "done"} == set(models)


@pytest.mark.parametrize(
    "body",
    [
        {"models": ["openai/a"]},
        {"models": ["openai/a", "openai/a"]},
        {"models": [f"openai/m{i}" for i in range(7)]},
    ],
)
async def test_compare_takes_two_to_six_different_models(
    runner: httpx.AsyncClient, body: dict[str, object]
) -> None:
    prompt = await create_prompt(runner)
    response = await runner.post(
        f"/api/v1/prompts/{prompt['id']}/compare", json={**body, "variables": {"topic": "x"}}
    )
    assert response.status_code == 422


async def test_another_users_prompt_cannot_be_run(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)
    response = await bob.post(
        f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
    )
    assert response.status_code == 404


async def test_running_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/prompts/1/run", json={})
    assert response.status_code == 401
