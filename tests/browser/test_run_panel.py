"""The run panel in real Chromium: a hostile answer stays inert, a refused key says so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import (
    KEYS_LINK,
    add_key,
    create_prompt,
    register,
    run_output,
    wait_for_run_end,
)
from tests.support.runs import API_KEY

pytestmark = pytest.mark.browser

HOSTILE = (
    "Here you go: <script>alert(1)</script>\n\n"
    "A picture: <img src=x onerror=alert(1)>\n\n"
    "A [link](javascript:alert(1)) and [a real one](https://example.com/docs)."
)


def assert_inert(markdown: Locator) -> None:
    """The rendered answer shows the hostile parts as text and holds nothing that runs."""
    expect(markdown).to_contain_text("<script>alert(1)</script>")
    expect(markdown).to_contain_text("<img src=x onerror=alert(1)>")
    for dangerous in ("script", "img", "iframe", "[onerror]", "[onload]", "[style]"):
        expect(markdown.locator(dangerous)).to_have_count(0)
    expect(markdown.locator("a[href^='javascript' i]")).to_have_count(0)
    real = markdown.get_by_role("link", name="a real one")
    expect(real).to_have_attribute("href", "https://example.com/docs")
    expect(real).to_have_attribute("rel", re.compile(r"\bnoopener\b.*\bnoreferrer\b.*\bnofollow\b"))


def test_a_hostile_answer_renders_inert(
    page: Page, fake: FakeProviderServer, username: str, watch: Watch
) -> None:
    fake.configure(text=HOSTILE, chunks=4)
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Innocent", "Say something nice.", variables=[])

    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    assert_inert(run_output(page).get_by_test_id("run-markdown"))

    # The stored answer, opened from the history, is just as inert.
    history = page.get_by_test_id("history-item").first
    expect(history).to_contain_text("<script>alert(1)</script>")
    history.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    assert_inert(page.get_by_test_id("response-markdown"))

    for element in ("script", "img", "[onerror]", "a[href^='javascript' i]"):
        expect(page.locator(f"main {element}")).to_have_count(0)
    assert watch.dialogs == [], "a script from the answer ran"


def test_a_key_the_provider_refuses_is_explained_in_the_run_panel(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Refused", "Say hello.", variables=[])
    fake.configure(status=401, error_message=f"Incorrect API key provided: {API_KEY}")

    page.get_by_test_id("run-button").click()
    wait_for_run_end(page, "failed")
    expect(page.get_by_test_id("run-status")).to_have_text("The run failed.")
    # One message in the run panel, saying what happened and what to do.
    error = page.get_by_test_id("run-result").get_by_role("alert")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("OpenAI refused the API key")
    expect(error).to_contain_text("The provider refused your API key")
    expect(page.get_by_test_id("history-item").first).to_have_attribute("data-status", "failed")
    assert API_KEY not in page.content(), "the key must never be shown"

    error.get_by_role("link", name=KEYS_LINK).click()
    expect(page).to_have_url(re.compile(r"/settings/keys$"))
    expect(page.locator("[data-testid=key-item][data-provider=openai]")).to_have_attribute(
        "data-configured", "true"
    )
