"""An evaluation's results grid in real Chromium: opened while it runs, its cells fill in
and its progress reaches the end without a reload; the filters; a thumbs-down with a note
that is still there after a reload; retrying the failed cells, live again; the stability
view of a repeated row; cancelling. The evaluations are made through the API, as a
script would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import api, register, settle
from tests.support.runs import API_KEY

pytestmark = pytest.mark.browser

HELLO = {"type": "contains", "value": "Hello"}
TIMES = "\u00d7"  # the multiplication sign before how many repeats gave an output


def start_evaluation(page: Page, rows: list[dict[str, Any]], models: list[str], **body: Any) -> int:
    """Keys, a haiku prompt, a test set with these rows, and an evaluation of them: its id."""
    for provider in {model.split("/")[0] for model in models}:
        api(page, "PUT", f"/api/v1/keys/{provider}", {"key": API_KEY})
    prompt = api(
        page,
        "POST",
        "/api/v1/prompts",
        {"title": "Haiku", "content": "A haiku about {{topic}}.", "model": models[0]},
    )
    test_set = api(page, "POST", "/api/v1/test-sets", {"name": "Weather", "assertions": []})
    for row in rows:
        api(page, "POST", f"/api/v1/test-sets/{test_set['id']}/rows", row)
    body = {"testSetId": test_set["id"], "promptId": prompt["id"], "models": models, **body}
    created: dict[str, Any] = api(page, "POST", "/api/v1/evaluations", body)
    return int(created["id"])


def wait_until_ended(page: Page, evaluation_id: int) -> None:
    """Follow the evaluation's event stream (through the API) to its end."""
    response = page.request.get(f"/api/v1/evaluations/{evaluation_id}/events")
    assert response.ok and "event: done" in response.text()


def cell(page: Page, row: int, variant: int) -> Locator:
    return page.locator(f"tr[data-row='{row}'] td[data-testid=grid-cell]").nth(variant)


def test_the_grid_fills_live_filters_rates_and_retries(
    page: Page, username: str, fake: FakeProviderServer, watch: Watch
) -> None:
    register(page, username)
    # OpenAI answers after a second, Anthropic after four: the first column fills first.
    fake.configure_model("gpt-4o-mini", text="Hello from OpenAI.", first_delay=1.0)
    fake.configure_model("claude-sonnet-4-6", text="Hello and Bye.", first_delay=4.0)
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [HELLO]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
        {"variables": {"topic": "snow"}, "assertions": [{"type": "contains", "value": "Snow"}]},
    ]
    evaluation = start_evaluation(page, rows, ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"])

    page.goto(f"/evaluations/{evaluation}")
    settle(page)
    page.evaluate("window.notReloaded = true")
    state = page.get_by_test_id("evaluation-state")
    expect(state).to_have_text(re.compile("queued|running"))
    expect(page.get_by_test_id("cancel-evaluation")).to_be_enabled()
    # The first column's outcomes arrive while the second is still running...
    expect(cell(page, 0, 0)).to_have_attribute("data-state", "pass")
    expect(cell(page, 1, 0)).to_have_attribute("data-state", "fail")
    expect(cell(page, 0, 1)).to_have_attribute("data-state", re.compile("pending|running"))
    # Coming back (here, in a second tab) shows what finished meanwhile, then goes on live.
    again = page.context.new_page()
    again_watch = Watch(again)
    again.goto(f"/evaluations/{evaluation}")
    expect(cell(again, 1, 0)).to_have_attribute("data-state", "fail")
    # ... then the second's, and the progress reaches the end, all without a reload.
    expect(state).to_have_text("completed")
    expect(page.get_by_test_id("cells-done")).to_have_text("6")
    expect(cell(page, 1, 1)).to_have_attribute("data-state", "pass")
    expect(page.get_by_test_id("column-summary").nth(1)).to_contain_text("pass rate 67%")
    expect(page.get_by_test_id("cancel-evaluation")).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True
    expect(again.get_by_test_id("evaluation-state")).to_have_text("completed")
    expect(again.locator("td[data-state=pass]")).to_have_count(3)
    again_watch.check()
    again.close()
    expect(cell(page, 1, 1).get_by_test_id("cell-metrics")).to_contain_text("tokens")
    cell(page, 1, 0).locator("summary").click()
    expect(cell(page, 1, 0).get_by_test_id("cell-output")).to_have_text("Hello from OpenAI.")
    expect(cell(page, 1, 0).get_by_test_id("assertions")).to_contain_text("does not contain 'Bye'")

    # The filters, in place (and in the address, so a reload keeps them).
    shown = page.get_by_test_id("rows-shown")
    page.get_by_test_id("filter-failures").click()
    expect(page.locator("tr[data-row]:visible")).to_have_count(2)
    expect(shown).to_have_text(re.compile(r"^2 of 3 rows shown"))
    expect(page).to_have_url(re.compile(r"\?filter=failures$"))
    page.get_by_test_id("filter-disagree").click()
    expect(page.locator("tr[data-row]:visible")).to_have_count(1)
    expect(page.locator("tr[data-row='1']")).to_be_visible()
    page.get_by_test_id("filter-all").click()
    expect(shown).to_have_text(re.compile(r"^3 of 3 rows shown"))

    # A thumbs-down with a note, counted in the column's summary, kept after a reload.
    rated = cell(page, 2, 1)
    rated.get_by_role("button", name="Thumbs down").click()
    expect(rated.get_by_role("button", name="Thumbs down")).to_have_attribute(
        "aria-pressed", "true"
    )
    rated.get_by_role("button", name="Note").click()
    rated.get_by_label("Note").fill("Snow was never mentioned.")
    rated.get_by_role("button", name="Save note").click()
    expect(rated.get_by_test_id("cell-note")).to_have_text("Snow was never mentioned.")
    summary = page.get_by_test_id("column-summary").nth(1)
    expect(summary.locator("[data-thumbs-down]")).to_have_text("1")
    page.reload()
    settle(page)
    rated = cell(page, 2, 1)
    expect(rated.get_by_test_id("cell-note")).to_have_text("Snow was never mentioned.")
    expect(rated.get_by_role("button", name="Thumbs down")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Retrying the failed cells: the page is live again, and only they run.
    fake.configure_model("gpt-4o-mini", text="Hello, Bye, Snow.", first_delay=1.0)
    fake.configure_model("claude-sonnet-4-6", text="Hello, Bye, Snow.", first_delay=1.0)
    before = len(fake.requests)
    page.get_by_test_id("retry-evaluation").click()
    expect(page.get_by_test_id("evaluation-message")).to_contain_text("Retrying")
    expect(cell(page, 2, 1)).to_have_attribute("data-state", re.compile("pending|running"))
    expect(state).to_have_text("completed")
    expect(page.locator("td[data-state=pass]")).to_have_count(6)
    expect(page.get_by_test_id("retry-evaluation")).to_be_hidden()
    watch.check()
    expect(page.get_by_test_id("column-summary").nth(0)).to_contain_text("pass rate 100%")
    assert len(fake.requests) - before == 3  # the three failed cells, no other
    watch.check()


def test_repeats_show_the_distinct_outputs_with_their_counts(
    page: Page, username: str, fake: FakeProviderServer, watch: Watch
) -> None:
    register(page, username)
    # Two of four repeats are refused (a 400 is not retried) and error.
    fake.configure(text="Hello there.", status=400, fail_times=2, error_message="No.")
    evaluation = start_evaluation(
        page,
        [{"variables": {"topic": "tea"}, "assertions": [HELLO]}],
        ["openai/gpt-4o-mini"],
        repeats=4,
    )
    wait_until_ended(page, evaluation)
    page.goto(f"/evaluations/{evaluation}")
    settle(page)
    grid_cell = cell(page, 0, 0)
    expect(grid_cell.get_by_test_id("stability")).to_have_text("2/4 passed · 1 distinct output")

    fake.reset()
    fake.configure(text="Goodbye.", first_delay=0.5)
    page.get_by_test_id("retry-evaluation").click()
    expect(page.get_by_test_id("evaluation-state")).to_have_text("completed")
    grid_cell = cell(page, 0, 0)
    expect(grid_cell).to_have_attribute("data-state", "mixed")
    expect(grid_cell.get_by_test_id("stability")).to_have_text("2/4 passed · 2 distinct outputs")
    expect(grid_cell.get_by_test_id("output-count")).to_have_text([f"{TIMES}2", f"{TIMES}2"])
    for output in ("Hello there.", "Goodbye."):
        expect(grid_cell.locator("summary", has_text=output)).to_have_count(1)
    expect(page.get_by_test_id("column-summary")).to_contain_text("1 unstable row")
    watch.check()


def test_a_running_evaluation_is_cancelled_from_its_page(
    page: Page, username: str, fake: FakeProviderServer, watch: Watch
) -> None:
    register(page, username)
    fake.configure(text="Hello, slowly.", first_delay=6.0)
    rows = [{"variables": {"topic": topic}} for topic in ("tea", "rain")]
    evaluation = start_evaluation(page, rows, ["openai/gpt-4o-mini"])
    page.goto(f"/evaluations/{evaluation}")
    settle(page)

    page.get_by_test_id("cancel-evaluation").click()

    expect(page.get_by_test_id("evaluation-state")).to_have_text("cancelled")
    expect(page.locator("td[data-state=cancelled]")).to_have_count(2)
    expect(page.get_by_test_id("evaluation-message")).to_contain_text("Cancelled")
    expect(page.get_by_test_id("cancel-evaluation")).to_be_hidden()
    expect(page.get_by_test_id("retry-evaluation")).to_be_hidden()
    watch.check()
