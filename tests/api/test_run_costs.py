"""A run keeps every kind of token the provider reported, its cost priced per kind, and the
date of the catalogue that priced it; an unknown model has no price (null), never $0."""

from __future__ import annotations

import json
from importlib import resources

import httpx
import pytest
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.providers.catalogue import get_catalogue, install_catalogue
from promptpro.services.catalogue import update_catalogue
from promptpro.storage import Storage
from promptpro.testing import FakeProviderServer
from tests.support.runs import create_prompt, stream_run

KINDS = {"cached_input_tokens": 8, "cache_write_tokens": 2, "reasoning_tokens": 3}


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "streamed"])
async def test_a_run_records_each_token_kind_and_the_catalogue_that_priced_it(
    runner: httpx.AsyncClient, fake: FakeProviderServer, streamed: bool
) -> None:
    model = get_catalogue().lookup("anthropic/claude-sonnet-4-6")
    assert model is not None
    fake.configure(input_tokens=20, output_tokens=10, **KINDS)
    prompt = await create_prompt(runner, model=model.id)
    path = f"/api/v1/prompts/{prompt['id']}/run"
    if streamed:
        events = await stream_run(runner, path, {"variables": {"topic": "x"}})
        run = events[-1].data["response"]
    else:
        run = (await runner.post(path, json={"variables": {"topic": "x"}})).json()

    assert (run["inputTokens"], run["outputTokens"]) == (20, 10)
    assert (run["cachedInputTokens"], run["cacheWriteTokens"], run["reasoningTokens"]) == (8, 2, 3)
    assert run["costUsd"] == pytest.approx(model.cost_usd(20, 10, **KINDS))
    assert run["costUsd"] != pytest.approx(model.cost_usd(20, 10))
    assert run["priceTable"] == get_catalogue().as_of.isoformat()
    stored = (await runner.get(f"/api/v1/responses/{run['id']}")).json()
    assert stored["priceTable"] == run["priceTable"]
    assert stored["cachedInputTokens"] == 8


async def test_a_model_the_catalogue_does_not_price_has_no_cost_and_no_price_table(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(input_tokens=20, output_tokens=10, reasoning_tokens=4)
    prompt = await create_prompt(runner, model="openai/not-in-the-catalogue")

    run = (
        await runner.post(f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}})
    ).json()

    assert run["costUsd"] is None
    assert run["priceTable"] is None
    assert run["reasoningTokens"] == 4


async def test_a_loaded_catalogue_prices_the_next_run_and_names_its_date(
    app: FastAPI, runner: httpx.AsyncClient
) -> None:
    text = resources.files("promptpro.providers").joinpath("catalogue.json").read_text()
    data = json.loads(text)
    data["as_of"] = "2030-01-01"
    data["providers"]["openai"][0]["input_usd_per_mtok"] = 1000.0
    model_id = "openai/" + data["providers"]["openai"][0]["name"]
    try:
        async with unit_of_work(app.state.session_factory) as session:
            await update_catalogue(Storage(session), json.dumps(data))
        prompt = await create_prompt(runner, model=model_id)

        run = (
            await runner.post(
                f"/api/v1/prompts/{prompt['id']}/run", json={"variables": {"topic": "x"}}
            )
        ).json()

        assert run["priceTable"] == "2030-01-01"
        loaded = get_catalogue().lookup(model_id)
        assert loaded is not None
        assert run["costUsd"] == pytest.approx(loaded.cost_usd(12, 7))
        assert run["costUsd"] > 1000.0 * 12 / 1_000_000 - 1e-12
    finally:
        install_catalogue(None)
