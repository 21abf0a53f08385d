"""Shipping a prompt in real Chromium: promote a version, roll back from the label history,
and a change request an editor opens and an admin approves; at 375 px too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.steps import api, create_prompt, register

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 375, "height": 800}


def promote(page: Page, label: str, version: int) -> None:
    form = page.get_by_test_id("promote-form")
    form.get_by_label("Label", exact=True).fill(label)
    form.get_by_label("Version", exact=True).select_option(str(version))
    form.get_by_role("button", name="Move label").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The label moved")


def test_promote_roll_back_and_a_change_request(
    page: Page, browser: Browser, live_url: str, username: str
) -> None:
    register(page, username)
    prompt_id = create_prompt(page, "Triage", "Sort {{ticket}}.")
    api(page, "PATCH", f"/api/v1/prompts/{prompt_id}", {"content": "Triage {{ticket}}."})
    page.reload()
    page.get_by_test_id("ship-prompt").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/labels$"))
    expect(page.get_by_test_id("use-in-code")).to_contain_text("prompt:triage")

    promote(page, "production", 1)
    promote(page, "production", 2)
    badge = page.locator("[data-testid=label-badge][data-label=production]")
    expect(badge).to_contain_text("production → v2")
    page.get_by_test_id("roll-back").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The label moved")
    expect(badge).to_contain_text("production → v1")
    expect(page.locator("[data-testid=label-history][data-label=production] li")).to_have_count(3)

    # An editor of a team asks for production to move; the owner approves.
    editor_name = f"{username}e"
    other = browser.new_context(base_url=live_url)
    try:
        editor = other.new_page()
        register(editor, editor_name)
        team = api(page, "POST", "/api/v1/workspaces", {"name": f"Team {username}"})
        api(
            page,
            "POST",
            f"/api/v1/workspaces/{team['id']}/members",
            {"username": editor_name, "role": "editor"},
        )
        shared = api(
            page,
            "POST",
            "/api/v1/prompts",
            {"title": "Shared", "content": "one", "workspaceId": team["id"]},
        )
        editor.goto(f"/prompts/{shared['id']}/labels")
        form = editor.get_by_test_id("promote-form")
        form.get_by_label("Label", exact=True).fill("production")
        form.get_by_label("Note (optional)").fill("ready")
        form.get_by_role("button", name="Ask an admin to move it").click()
        expect(editor.get_by_test_id("notice")).to_contain_text("waits for a workspace admin")
        expect(editor.get_by_test_id("change-request")).to_have_attribute("data-status", "pending")
    finally:
        other.close()

    page.goto(f"/prompts/{shared['id']}/labels")
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Approved")
    expect(page.locator("[data-testid=label-badge][data-label=production]")).to_contain_text(
        "production → v1"
    )
    expect(page.get_by_test_id("change-request")).to_have_attribute("data-status", "approved")

    page.set_viewport_size(NARROW)
    page.goto(f"/prompts/{prompt_id}/labels")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the shipping page is wider than 375 px"
    )
