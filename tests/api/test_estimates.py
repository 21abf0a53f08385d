"""Estimates before a run: the provider's count endpoint (Anthropic, Gemini), OpenAI's
tokenizer, or characters / 4, each labelled; output bounded by maxTokens; no price is null."""

from __future__ import annotations

import httpx
import pytest

from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.tokenizer import count_chat_tokens
from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt


async def _estimate(client: httpx.AsyncClient, prompt_id: int, **body: object) -> httpx.Response:
    return await client.post(f"/api/v1/prompts/{prompt_id}/estimate", json=body)


async def test_an_openai_model_is_counted_with_its_tokenizer(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    fake.reset()

    response = await _estimate(runner, prompt["id"], variables={"topic": "tea"})

    assert response.status_code == 200, response.text
    estimate = response.json()
    assert estimate["method"] == "tokenizer"
    assert estimate["inputTokens"] == count_chat_tokens(["Write a haiku about tea."])
    assert estimate["outputTokens"] == 64  # the prompt's maxTokens
    model = get_catalogue().lookup("openai/gpt-4o-mini")
    assert model is not None
    assert estimate["costUsd"] == pytest.approx(model.cost_usd(estimate["inputTokens"], 64))
    assert fake.requests == []  # no provider call for a tokenizer count


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("anthropic/claude-sonnet-4-6", "/v1/messages/count_tokens"),
        ("gemini/gemini-2.5-flash", "/v1/models/gemini-2.5-flash:countTokens"),
    ],
)
async def test_anthropic_and_gemini_are_counted_by_the_provider(
    runner: httpx.AsyncClient, fake: FakeProviderServer, model: str, path: str
) -> None:
    prompt = await create_prompt(runner)
    fake.reset()
    fake.configure(counted_tokens=321)

    response = await _estimate(
        runner, prompt["id"], model=model, variables={"topic": "tea"}, parameters={"maxTokens": 10}
    )

    estimate = response.json()
    assert (estimate["method"], estimate["inputTokens"], estimate["outputTokens"]) == (
        "provider",
        321,
        10,
    )
    assert [request.path for request in fake.requests] == [path]
    assert "Write a haiku about tea." in str(fake.last_request.body)
    assert estimate["costUsd"] == pytest.approx(get_catalogue().cost_usd(model, 321, 10))


async def test_a_failing_count_endpoint_falls_back_to_the_heuristic(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    fake.configure(status=500)

    estimate = (await _estimate(runner, prompt["id"], model="anthropic/claude-sonnet-4-6")).json()

    assert estimate["method"] == "heuristic"
    assert estimate["inputTokens"] == (len("Write a haiku about .") + 3) // 4


async def test_a_model_without_a_tokenizer_or_count_endpoint_is_a_heuristic_estimate(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    fake.reset()

    estimate = (
        await _estimate(runner, prompt["id"], model="xai/grok-4", variables={"topic": "x" * 400})
    ).json()

    assert estimate["method"] == "heuristic"
    assert estimate["inputTokens"] == (len("Write a haiku about .") + 400 + 3) // 4
    assert fake.requests == []


async def test_a_model_without_a_price_has_a_null_cost_never_zero(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner)

    estimate = (await _estimate(runner, prompt["id"], model="openai/unpriced-model")).json()

    assert estimate["costUsd"] is None
    assert estimate["inputTokens"] > 0


async def test_without_max_tokens_the_output_is_the_default_guess(
    runner: httpx.AsyncClient,
) -> None:
    prompt = await create_prompt(runner, parameters={})

    estimate = (await _estimate(runner, prompt["id"])).json()

    assert estimate["outputTokens"] == 500


async def test_the_system_message_counts_too(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner)
    plain = (await _estimate(runner, prompt["id"])).json()

    with_system = (
        await _estimate(runner, prompt["id"], parameters={"system": "You are a poet. " * 10})
    ).json()

    assert with_system["inputTokens"] > plain["inputTokens"] + 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "not a model"}, "model"),
        ({"variables": {"topic": 5}}, "variables.topic"),
        ({"surprise": 1}, "surprise"),
        ({"parameters": {"maxTokens": -1}}, "parameters.maxTokens"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    runner: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    prompt = await create_prompt(runner)

    response = await runner.post(f"/api/v1/prompts/{prompt['id']}/estimate", json=body)

    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}


async def test_a_prompt_without_a_model_needs_one(runner: httpx.AsyncClient) -> None:
    prompt = await create_prompt(runner, model=None)

    response = await _estimate(runner, prompt["id"])

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "model"


async def test_another_users_prompt_is_not_found(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    prompt = await create_prompt(runner)

    assert (await _estimate(bob, prompt["id"])).status_code == 404
    assert (await _estimate(bob, 999_999)).status_code == 404
