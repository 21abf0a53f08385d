"""The usage page: the API's table, grouped as asked, with clear errors; and the prompt
page's place for the estimate next to Run."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.web.conftest import Browser, create_prompt, text_of


async def _store_run(app: FastAPI, browser: Browser, prompt_id: int, **fields: Any) -> None:
    owner = (await browser.client.get("/api/v1/me")).json()["id"]
    async with unit_of_work(app.state.session_factory) as session:
        await Storage(session).create_response(
            owner, prompt_id, ResponseCreate(content="a", **fields)
        )


async def test_the_usage_page_shows_spending_by_model_and_by_day(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    await _store_run(
        app,
        ada_browser,
        prompt_id,
        model="openai/gpt-4o-mini",
        input_tokens=10,
        output_tokens=5,
        cost_usd=1.5,
    )
    await _store_run(app, ada_browser, prompt_id, model="openai/unpriced", cost_usd=None)

    page = await ada_browser.get("/settings/usage")

    assert page.status_code == 200
    assert page.text.count('data-testid="usage-row"') == 2
    assert "$1.50" in text_of(page.text)
    by_day = await ada_browser.get("/settings/usage?groupBy=day")
    assert by_day.text.count('data-testid="usage-row"') == 1
    assert 'aria-current="page"' in page.text and "/settings/usage" in page.text


@pytest.mark.parametrize(
    ("query", "says"),
    [("from=2026-05-02&to=2026-05-01", "must not be after"), ("from=someday", "is not a day")],
)
async def test_bad_dates_are_said_not_crashed_on(
    ada_browser: Browser, query: str, says: str
) -> None:
    page = await ada_browser.get(f"/settings/usage?{query}")

    assert page.status_code == 200
    assert says in text_of(page.text)


async def test_the_usage_page_needs_a_sign_in(browser: Browser) -> None:
    page = await browser.client.get("/settings/usage")

    assert page.status_code in (302, 303, 401)


async def test_the_prompt_page_has_a_place_for_the_estimate(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)

    page = await ada_browser.get(f"/prompts/{prompt_id}")

    assert 'data-testid="run-estimate"' in page.text
    assert "js/estimate" in page.text
