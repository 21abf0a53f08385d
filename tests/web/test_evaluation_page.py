"""The evaluation page: the grid of rows x variants with pass/fail, and column summaries."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from promptpro.config import Settings
from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support.evaluations import finished, make_test_set, started
from tests.support.runs import add_key, create_prompt


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"evaluation_runner": "server", "follow_poll_seconds": 0.02})


async def test_the_page_shows_each_row_and_variant_with_its_outcome(
    app: FastAPI, ada: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    runner = ada
    for provider in ("openai", "anthropic"):
        await add_key(runner, provider)
    prompt = await create_prompt(runner)
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Hello"}]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
    ]
    test_set = await make_test_set(runner, rows)
    models = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"]
    created = await started(runner, testSetId=test_set["id"], promptId=prompt["id"], models=models)
    await finished(runner, created["id"])

    response = await runner.get(f"/evaluations/{created['id']}")

    assert response.status_code == 200, response.text
    html = response.text
    assert html.count('data-testid="grid-row"') == 2
    assert html.count('data-state="pass"') == 2 and html.count('data-state="fail"') == 2
    assert "pass rate 50%" in html and "does not contain &#39;Bye&#39;" in html
    assert (await bob.get(f"/evaluations/{created['id']}")).status_code == 404
