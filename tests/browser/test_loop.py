"""The everyday loop in real Chromium: inputs kept, re-run, ratings, drafts on another
device, and a running answer followed after the page is opened anew."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.chromium import VIEWPORT
from tests.browser.conftest import TIMEOUT_MS, Watch
from tests.browser.steps import (
    add_key,
    create_prompt,
    fill_variables,
    register,
    run_output,
    settle,
    wait_for_estimate,
    wait_for_run_end,
)
from tests.support.auth import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

HAIKU = "Write a haiku about {{topic}}."


def a_prompt_that_ran(page: Page, username: str, topic: str = "tea") -> int:
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Haiku", HAIKU, variables=["topic"])
    fill_variables(page, {"topic": topic})
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    return prompt_id


def test_the_inputs_are_kept_across_a_reload(page: Page, username: str) -> None:
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Haiku", HAIKU, variables=["topic"])
    # A field left empty says it runs with an empty value; the preview agrees.
    expect(page.get_by_test_id("left-empty")).to_be_visible()
    expect(page.get_by_test_id("run-preview")).to_have_text("Write a haiku about .")
    fill_variables(page, {"topic": "green tea"})
    expect(page.get_by_test_id("left-empty")).to_be_hidden()
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)

    page.reload()
    settle(page)
    expect(page.get_by_label("topic", exact=True)).to_have_value("green tea")
    expect(page.get_by_test_id("run-preview")).to_have_text("Write a haiku about green tea.")
    item = page.get_by_test_id("history-item").first
    expect(item.get_by_test_id("history-version")).to_have_text("Version 1")
    expect(item.get_by_test_id("history-variables")).to_have_text("topic=green tea")


def test_a_response_is_rerun_from_the_history(
    page: Page, username: str, fake: FakeProviderServer
) -> None:
    prompt_id = a_prompt_that_ran(page, username)
    fake.configure(text="A **second** answer.\n\nMore.")
    page.get_by_label("topic", exact=True).fill("changed, not used by the re-run")
    history = page.get_by_test_id("history-item")
    expect(history).to_have_count(1)
    history.first.get_by_test_id("history-rerun").click()
    wait_for_run_end(page)
    expect(run_output(page).get_by_test_id("run-markdown")).to_contain_text("A second answer.")
    expect(history).to_have_count(2)
    newest = history.first
    expect(newest.get_by_test_id("history-variables")).to_have_text("topic=tea")
    expect(newest.get_by_test_id("history-excerpt")).to_have_text("A second answer.")
    assert fake.last_request.body["messages"][-1]["content"] == "Write a haiku about tea."

    # "Edit inputs" opens the run panel filled with that run's inputs.
    history.nth(1).get_by_test_id("history-edit-inputs").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}\?from=\d+#run$"))
    settle(page)
    expect(page.get_by_label("topic", exact=True)).to_have_value("tea")


def test_a_rating_and_its_note_are_shown_in_the_history(page: Page, username: str) -> None:
    a_prompt_that_ran(page, username)
    item = page.get_by_test_id("history-item").first
    item.get_by_test_id("rate").locator("summary").click()
    item.get_by_label("Good").check()
    item.get_by_label("Note (optional)").fill("Crisp, keep this one.")
    item.get_by_test_id("save-rating").click()
    rating = page.get_by_test_id("history-item").first.get_by_test_id("history-rating")
    expect(rating).to_contain_text("Rated good")
    expect(rating).to_contain_text("Crisp, keep this one.")

    page.get_by_label("Show", exact=True).select_option("-1")
    expect(page).to_have_url(re.compile(r"rating=-1"))
    settle(page)  # before navigating again: its scripts are still loading
    expect(page.get_by_test_id("history-item")).to_have_count(0)
    page.get_by_label("Show", exact=True).select_option("1")
    expect(page).to_have_url(re.compile(r"rating=1"))
    settle(page)
    expect(page.get_by_test_id("history-item")).to_have_count(1)


def test_a_draft_is_restored_on_another_device(
    browser: Browser, live_url: str, page: Page, username: str
) -> None:
    register(page, username)
    prompt_id = create_prompt(page, "Haiku", HAIKU, variables=["topic"])
    page.goto(f"/prompts/{prompt_id}/edit")
    settle(page)
    page.get_by_label("Prompt", exact=True).fill("Write two haiku about {{topic}}.")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Draft kept")

    other = browser.new_context(base_url=live_url, viewport=VIEWPORT)
    other.set_default_timeout(TIMEOUT_MS)
    try:
        laptop = other.new_page()
        watch = Watch(laptop)
        laptop.goto("/login")
        laptop.get_by_label("Username", exact=True).fill(username)
        laptop.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
        laptop.get_by_role("button", name="Sign in", exact=True).click()
        expect(laptop).to_have_url(re.compile(r"/prompts$"))
        settle(laptop)
        laptop.goto(f"/prompts/{prompt_id}/edit")
        settle(laptop)
        offer = laptop.get_by_test_id("server-draft")
        expect(offer).to_be_visible()
        diff = offer.get_by_test_id("draft-diff")
        expect(diff.locator("[data-kind=removed]")).to_contain_text("Write a haiku about")
        expect(diff.locator("[data-kind=added]")).to_contain_text("Write two haiku about")
        offer.get_by_test_id("restore-draft").click()
        content = laptop.get_by_label("Prompt", exact=True)
        expect(content).to_have_value("Write two haiku about {{topic}}.")
        laptop.get_by_role("button", name="Save as a new version").click()
        expect(laptop).to_have_url(re.compile(rf"/prompts/{prompt_id}\?done=saved$"))
        settle(laptop)
        wait_for_estimate(laptop)  # before leaving: its request would be aborted
        laptop.goto(f"/prompts/{prompt_id}/edit")
        expect(laptop.get_by_test_id("server-draft")).to_have_count(0)
        watch.check()
    finally:
        other.close()


def test_a_running_answer_continues_streaming_in_a_page_opened_meanwhile(
    page: Page, username: str, fake: FakeProviderServer
) -> None:
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Slow", "Count slowly.", variables=[])
    answer = " ".join(f"word{i}" for i in range(16))
    fake.configure(text=answer, chunks=16, chunk_delay=0.3)
    page.get_by_test_id("run-button").click()
    running = page.locator("[data-testid=history-item][data-status=running]")
    expect(running).to_have_count(1)
    response_id = running.get_attribute("data-response-id")

    # The response page, opened while the answer comes: it shows it coming, to its end.
    second = page.context.new_page()
    watch = Watch(second)
    second.goto(f"/prompts/{prompt_id}/responses/{response_id}")
    live = second.get_by_test_id("response-live")
    expect(live).to_be_visible()
    partial = second.wait_for_function(
        """() => {
          const text = document.querySelector("[data-testid=response-live] pre")?.textContent;
          return text && text.startsWith("word") ? text : null;
        }"""
    ).json_value()
    assert partial != answer, "the whole answer was there before the run ended"
    done = live.locator(".output-done")
    expect(done).to_have_attribute("data-status", "completed")
    expect(done.get_by_test_id("run-markdown")).to_have_text(answer)

    # The prompt page, reloaded while a run goes: the run panel follows it.
    fake.configure(text=answer, chunks=16, chunk_delay=0.3)
    page.get_by_test_id("run-button").click()
    expect(running).to_have_count(1)
    second.goto(f"/prompts/{prompt_id}")
    wait_for_run_end(second)
    expect(run_output(second).get_by_test_id("run-markdown")).to_have_text(answer)
    watch.check()


def test_a_response_is_rerun_from_its_own_page(
    page: Page, username: str, fake: FakeProviderServer
) -> None:
    prompt_id = a_prompt_that_ran(page, username)
    page.get_by_test_id("history-item").first.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    settle(page)
    fake.configure(text="Once more, exactly.")
    page.get_by_test_id("response-rerun").click()
    view = page.get_by_test_id("rerun-view")
    expect(view.locator(".output-done")).to_have_attribute("data-status", "completed")
    expect(view.get_by_test_id("run-markdown")).to_have_text("Once more, exactly.")
    page.get_by_test_id("rerun-link").click()
    settle(page)
    expect(page.get_by_test_id("response-markdown")).to_have_text("Once more, exactly.")
    expect(page.get_by_test_id("response-variables")).to_contain_text("tea")
