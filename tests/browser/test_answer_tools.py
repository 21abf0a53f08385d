"""Answers' tools in real Chromium: Copy puts the raw text in the clipboard, Raw text
switches the view, deletes ask first in the page, touch screens get no shortcut hint."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import TIMEOUT_MS, Watch
from tests.browser.steps import (
    add_key,
    create_prompt,
    register,
    run_output,
    wait_for_run_end,
)
from tests.browser.test_workbench import shot

pytestmark = pytest.mark.browser

RAW = "# Title\n\nSome **bold** text\nand a second line.\n\n- one\n- two"


def clipboard(page: Page) -> str:
    """What the clipboard holds."""
    text = page.evaluate("navigator.clipboard.readText()")
    assert isinstance(text, str)
    return text


def run_once(page: Page, fake: FakeProviderServer, username: str) -> int:
    """A new user with a key and a prompt run once; the prompt's id."""
    fake.configure(text=RAW, chunks=2)
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Tools", "Answer in markdown.", variables=[])
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    return prompt_id


def test_copy_puts_the_raw_answer_in_the_clipboard_everywhere(
    context: BrowserContext, page: Page, fake: FakeProviderServer, username: str
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    prompt_id = run_once(page, fake, username)

    # The run panel.
    panel = run_output(page)
    panel.get_by_test_id("copy-answer").click()
    expect(panel.get_by_test_id("answer-status")).to_have_text("Copied.")
    assert clipboard(page) == RAW

    # The history: its Copy fetches the whole answer.
    page.evaluate("navigator.clipboard.writeText('')")
    item = page.get_by_test_id("history-item").first
    item.locator(".history-actions").get_by_test_id("copy-answer").click()
    expect(item.locator(".history-actions [data-answer-status]")).to_have_text("Copied.")
    assert clipboard(page) == RAW

    # The response page.
    page.evaluate("navigator.clipboard.writeText('')")
    item.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    page.get_by_test_id("response-detail").get_by_test_id("copy-answer").click()
    expect(page.get_by_test_id("answer-status")).to_have_text("Copied.")
    assert clipboard(page) == RAW


def test_copy_without_the_clipboard_api_falls_back_to_the_copy_command(
    context: BrowserContext, page: Page, fake: FakeProviderServer, username: str
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    run_once(page, fake, username)
    # As on a page served over plain HTTP from another host: writeText refuses.
    page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('refused')); }"
    )
    run_output(page).get_by_test_id("copy-answer").click()
    expect(run_output(page).get_by_test_id("answer-status")).to_have_text("Copied.")
    assert clipboard(page) == RAW


def test_raw_text_switches_between_the_rendered_and_the_raw_answer(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    run_once(page, fake, username)
    panel = run_output(page)
    rendered, raw = panel.get_by_test_id("run-markdown"), panel.get_by_test_id("answer-raw")
    toggle = panel.get_by_test_id("raw-toggle")
    expect(rendered.locator("h1")).to_have_text("Title")
    expect(raw).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(rendered).to_be_hidden()
    expect(raw).to_be_visible()
    assert raw.text_content() == RAW

    toggle.click()
    expect(rendered).to_be_visible()
    expect(raw).to_be_hidden()

    # A history entry opens its whole answer, with the same tools.
    item = page.get_by_test_id("history-item").first
    item.get_by_text("Show the answer").click()
    opened = item.get_by_test_id("history-answer")
    expect(opened.get_by_test_id("run-markdown").locator("h1")).to_have_text("Title")
    opened.get_by_test_id("raw-toggle").click()
    expect(opened.get_by_test_id("answer-raw")).to_be_visible()
    item.scroll_into_view_if_needed()
    shot(page, "history-answer-open")


def test_deleting_a_response_asks_first_in_the_page(
    page: Page, fake: FakeProviderServer, username: str, watch: Watch
) -> None:
    run_once(page, fake, username)
    item = page.get_by_test_id("history-item").first
    confirm = item.get_by_test_id("delete-response")
    expect(confirm).to_be_hidden()
    item.get_by_test_id("delete-response-start").click()
    expect(item).to_contain_text("Delete this response for good?")
    shot(page, "history-delete-confirm")
    expect(page.get_by_test_id("history-item")).to_have_count(1)  # nothing deleted yet
    confirm.click()
    expect(page.get_by_test_id("notice")).to_have_text("The response is deleted.")
    expect(page.get_by_test_id("history-item")).to_have_count(0)
    assert watch.dialogs == []


def test_removing_a_key_asks_first_in_the_page(page: Page, username: str, watch: Watch) -> None:
    register(page, username)
    add_key(page, "openai")
    item = page.locator("[data-testid=key-item][data-provider=openai]")
    expect(item.get_by_test_id("remove-key")).to_be_hidden()
    item.get_by_test_id("remove-key-start").click()
    expect(item).to_contain_text("Remove your OpenAI key?")
    expect(item).to_have_attribute("data-configured", "true")
    item.get_by_test_id("remove-key").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The key is removed")
    expect(item).to_have_attribute("data-configured", "false")
    assert watch.dialogs == []


def test_a_touch_screen_gets_no_keyboard_shortcut_hint(
    browser: Browser, live_url: str, page: Page, username: str
) -> None:
    register(page, username)
    create_prompt(page, "Hint", "Say hi.", variables=[])
    expect(page.get_by_test_id("shortcut-hint")).to_be_visible()  # a mouse and a keyboard

    phone = browser.new_context(
        base_url=live_url,
        viewport={"width": 375, "height": 740},
        has_touch=True,
        is_mobile=True,
        storage_state=page.context.storage_state(),
    )
    phone.set_default_timeout(TIMEOUT_MS)
    try:
        touch = phone.new_page()
        touch.goto(page.url)
        expect(touch.get_by_test_id("run-button")).to_be_visible()
        expect(touch.get_by_test_id("shortcut-hint")).to_be_hidden()
    finally:
        phone.close()


def test_the_keys_link_of_a_missing_key_says_where_in_the_page(
    page: Page, username: str, watch: Watch
) -> None:
    register(page, username)
    create_prompt(page, "No key", "Say hi.", variables=[])
    page.get_by_test_id("run-button").click()
    error = page.get_by_test_id("run-error")
    expect(error).to_contain_text("There is no OpenAI API key in your account yet.")
    expect(error).not_to_contain_text("PUT /api")
    error.get_by_role("link", name="Go to Settings \u203a Keys").click()
    expect(page).to_have_url(re.compile(r"/settings/keys$"))
    # The refusal is a 422, which Chromium reports in the console; nothing else went wrong.
    assert len(watch.problems) == 1 and "422" in watch.problems[0], watch.problems
    watch.problems.clear()


def test_after_a_wrong_password_the_password_field_has_the_focus(
    page: Page, username: str, watch: Watch
) -> None:
    register(page, username)
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_label("Username", exact=True)).to_be_focused()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Wrong username or password")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.get_by_label("Username", exact=True)).to_have_value(username)
    # The refused sign-in is a 401, which Chromium reports in the console; nothing else.
    assert all("401" in problem for problem in watch.problems), watch.problems
    watch.problems.clear()


def test_on_a_mac_the_shortcut_hint_says_cmd(page: Page, username: str) -> None:
    register(page, username)
    create_prompt(page, "Mac", "Say hi.", variables=[])
    expect(page.get_by_test_id("shortcut-hint")).to_have_text("Ctrl+Enter")
    page.add_init_script("Object.defineProperty(navigator, 'platform', { get: () => 'MacIntel' })")
    page.reload()
    expect(page.get_by_test_id("shortcut-hint")).to_have_text("\u2318+Enter")


def test_dates_show_one_way_in_the_readers_time_zone(
    browser: Browser, live_url: str, page: Page, username: str
) -> None:
    register(page, username)
    prompt_id = create_prompt(page, "Dated", "First.", variables=[])
    page.get_by_test_id("edit-prompt").click()
    page.get_by_label("Prompt", exact=True).fill("Second.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved.")

    tokyo = browser.new_context(
        base_url=live_url,
        timezone_id="Asia/Tokyo",
        locale="en-GB",
        storage_state=page.context.storage_state(),
    )
    tokyo.set_default_timeout(TIMEOUT_MS)
    try:
        reader = tokyo.new_page()
        reader.goto(f"/prompts/{prompt_id}/versions?from=1&to=2")
        option = reader.locator("#f-diff-to option[selected]")
        expect(option).to_have_attribute("data-local", "true")
        iso = option.get_attribute("data-datetime")
        expected = reader.evaluate(
            """(iso) => new Intl.DateTimeFormat("en-GB", {
                 dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Tokyo",
               }).format(new Date(iso))""",
            iso,
        )
        expect(option).to_have_text(f"Version 2 · {expected}")
        reader.goto(f"/prompts/{prompt_id}")
        versions = reader.get_by_test_id("version-item").first.locator("time")
        expect(versions).to_have_attribute("data-local", "true")
        expect(versions).to_have_text(expected)
    finally:
        tokyo.close()
