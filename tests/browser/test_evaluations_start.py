"""Evaluating a test set in real Chromium: started from the set's page (its estimate first),
run against the fake provider, run again after the answers changed, and the second run
compared with the first in the baseline view, its regression flagged."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import add_key, create_prompt, go_to, register, settle

pytestmark = pytest.mark.browser

DONE_WITHIN_MS = 30_000


def build_test_set(page: Page) -> None:
    """A set of two capitals, each checked against its expected answer."""
    go_to(page, "Test sets")
    page.get_by_label("Name", exact=True).fill("Capitals")
    page.get_by_test_id("create-test-set").click()
    expect(page).to_have_url(re.compile(r"/test-sets/\d+\?done=test-set-created$"))
    settle(page)
    page.get_by_test_id("paste-rows").fill("country\texpected\nFrance\tParis\nSpain\tMadrid\n")
    page.get_by_test_id("paste-submit").click()
    expect(page.get_by_test_id("row-count")).to_have_text("2")
    settle(page)
    page.get_by_test_id("assertions-json").fill('[{"type": "contains", "ignoreCase": true}]')
    page.get_by_test_id("save-assertions").click()
    expect(page.get_by_test_id("ts-status")).to_have_text("Assertions saved.")


def start_from_the_set_page(page: Page, set_url: str) -> int:
    """Start an evaluation of the set with the card's defaults; its id, once it is done."""
    page.goto(set_url)
    card = page.get_by_test_id("evaluate-card")
    expect(card.get_by_label("Prompt", exact=True)).to_have_value(re.compile(r"\d+"))
    card.get_by_test_id("evaluate-start").click()
    expect(page).to_have_url(re.compile(r"/evaluations/\d+$"))
    match = re.search(r"/evaluations/(\d+)$", page.url)
    assert match, page.url
    evaluation_id = int(match.group(1))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(evaluation_id))
    wait_until_done(page)
    return evaluation_id


def wait_until_done(page: Page) -> None:
    """Wait until the evaluation's page, following its progress live, says it has ended."""
    state = page.get_by_test_id("evaluation-state")
    expect(state).to_have_text("completed", timeout=DONE_WITHIN_MS)
    settle(page)


def test_a_regression_is_found_by_comparing_with_the_previous_run(
    page: Page, username: str, fake: FakeProviderServer, watch: Watch
) -> None:
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Capital", "The capital of {{country}}?", variables=["country"])
    build_test_set(page)
    set_url = page.url.split("?")[0]

    # The estimate first: shown before anything runs, on the form's own page.
    fake.configure(text="Paris, and Madrid.")
    card = page.get_by_test_id("evaluate-card")
    expect(card.get_by_label("Prompt", exact=True)).to_have_value(re.compile(r"\d+"))
    expect(card.get_by_label("GPT-4o mini", exact=True)).to_be_checked()
    card.get_by_test_id("evaluate-estimate-button").click()
    estimate = page.get_by_test_id("evaluate-estimate")
    expect(estimate).to_contain_text("Estimated cost: $")
    expect(estimate).to_contain_text("for 2 cells")
    settle(page)

    first = start_from_the_set_page(page, set_url)

    # The answers change: Spain's row fails now.
    fake.configure(text="Paris.")
    second = start_from_the_set_page(page, set_url)

    page.goto(set_url)
    runs = page.get_by_test_id("set-evaluation")
    expect(runs).to_have_count(2)
    expect(runs.first).to_have_attribute("data-evaluation-id", str(second))
    expect(runs.first.get_by_test_id("set-evaluation-pass-rate")).to_have_text("50%")
    expect(runs.nth(1).get_by_test_id("set-evaluation-pass-rate")).to_have_text("100%")
    runs.first.get_by_test_id("compare-previous").click()

    expect(page).to_have_url(re.compile(rf"/evaluations/{second}/compare/{first}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Evaluation #{second} against #{first}"
    )
    expect(page.get_by_test_id("regression-count")).to_have_text("1")
    expect(page.get_by_test_id("fix-count")).to_have_text("0")
    delta = page.get_by_test_id("delta-pass-rate")
    expect(delta).to_have_attribute("data-direction", "worse")
    expect(delta).to_contain_text("50 pts")
    regressed = page.get_by_test_id("compare-row").filter(has=page.get_by_test_id("regression"))
    expect(regressed).to_have_count(1)
    expect(regressed).to_contain_text("country: Spain")

    page.get_by_test_id("changes-only").click()
    expect(page).to_have_url(re.compile(r"\?changes=only"))
    expect(page.get_by_test_id("compare-row")).to_have_count(1)
    expect(page.get_by_test_id("compare-row")).to_contain_text("country: Spain")
    watch.check()
