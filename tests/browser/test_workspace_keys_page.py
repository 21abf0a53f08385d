"""A team's keys in real Chromium: the owner saves the workspace's OpenAI key by keyboard
and sees only its hint; an editor with no key of their own runs the team's prompt on it
and gets the 403 page for the keys; the owner removes the key at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.steps import api, fill_variables, register, settle, wait_for_run_end

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 375, "height": 800}
TEAM_KEY = "sk-proj-BrowserTeamKey0123456789wxyz"


def test_a_team_runs_on_its_own_key_which_only_its_admins_see(
    page: Page, browser: Browser, live_url: str, username: str
) -> None:
    member = f"{username}e"
    register(page, username)
    member_context = browser.new_context(base_url=live_url)
    try:
        editor = member_context.new_page()
        register(editor, member)

        team = api(page, "POST", "/api/v1/workspaces", {"name": "Crew"})["id"]
        api(
            page,
            "POST",
            f"/api/v1/workspaces/{team}/members",
            {"username": member, "role": "editor"},
        )
        prompt = api(
            page,
            "POST",
            "/api/v1/prompts",
            {
                "title": "Greeting",
                "content": "Say hello to {{name}}.",
                "model": "openai/gpt-4o-mini",
                "workspaceId": team,
            },
        )["id"]

        # The owner saves the workspace's key by keyboard; only its hint comes back.
        page.goto(f"/workspaces/{team}/settings/keys")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Crew")
        tabs = page.get_by_role("navigation", name="Workspace settings")
        expect(tabs.get_by_role("link", name="Keys")).to_have_attribute("aria-current", "page")
        item = page.locator("[data-testid=key-item][data-provider=openai]")
        field = item.get_by_label("OpenAI API key for this workspace")
        field.focus()
        page.keyboard.type(TEAM_KEY)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("notice")).to_contain_text("The key is saved")
        expect(item.get_by_test_id("key-hint")).to_have_text("sk-proj-…wxyz")
        assert TEAM_KEY not in page.content()

        # The editor, with no key of their own, runs the team's prompt on the team's key...
        editor.goto(f"/prompts/{prompt}")
        settle(editor)
        fill_variables(editor, {"name": "Ada"})
        editor.get_by_test_id("run-button").click()
        wait_for_run_end(editor)
        # ...but may not see it.
        refused = editor.goto(f"/workspaces/{team}/settings/keys")
        assert refused is not None and refused.status == 403
        expect(editor.get_by_test_id("key-form")).to_have_count(0)
        assert "sk-proj-" not in editor.content()
    finally:
        member_context.close()

    # At 375 px the page fits, and the key is removed after the in-page confirmation.
    page.set_viewport_size(NARROW)
    page.goto(f"/workspaces/{team}/settings/keys")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    item = page.locator("[data-testid=key-item][data-provider=openai]")
    item.get_by_test_id("remove-key-start").click()
    item.get_by_test_id("remove-key").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The key is removed")
    expect(item).to_have_attribute("data-configured", "false")
    assert re.search(r"/workspaces/\d+/settings/keys", page.url)
