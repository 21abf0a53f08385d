"""Workspaces in real Chromium: someone creates a team workspace from the header, adds a
member by username and changes their role, writes a prompt there, switches back to their
personal library (unchanged) and again to the team's; the member, a viewer, reads the prompt
without Run or Edit; the owner reads the audit tab and deletes the workspace by typing its
name. By keyboard where a person would, and at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import Watch
from tests.browser.steps import create_prompt, register

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 375, "height": 800}


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _switch_to(page: Page, label: str) -> None:
    """Choose a workspace in the header's switcher and press its Switch button by keyboard."""
    switcher = page.get_by_test_id("workspace-switcher")
    switcher.get_by_label("Workspace").select_option(label=label)
    switcher.get_by_role("button", name="Switch").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("in-workspace")).to_contain_text(label.removesuffix(" (personal)"))


def test_a_team_workspace(
    page: Page, browser: Browser, live_url: str, username: str, watch: Watch
) -> None:
    member = f"{username}m"
    team = f"Team {username}"
    other = browser.new_context(base_url=live_url)
    try:
        member_page = other.new_page()
        member_watch = Watch(member_page)
        register(member_page, member)

        register(page, username)
        own = create_prompt(page, "Personal notes", "Summarise {{text}}")
        # Alone, the header offers a new workspace and nothing to switch between.
        expect(page.get_by_test_id("workspace-select")).to_have_count(0)
        page.get_by_test_id("workspaces-link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Workspaces")
        name = page.get_by_test_id("new-workspace-form").get_by_label("Name", exact=True)
        name.focus()
        page.keyboard.type(team)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/workspaces/\d+/settings/members\?done="))
        expect(page.get_by_test_id("notice")).to_contain_text("The workspace is created")
        workspace_id = int(re.findall(r"/workspaces/(\d+)/", page.url)[0])

        # Add the member by username as an editor, then make them a viewer.
        form = page.get_by_test_id("add-member-form")
        form.get_by_label("Username").fill(member)
        form.get_by_label("Role").select_option("editor")
        form.get_by_role("button", name="Add member").click()
        expect(page.get_by_test_id("notice")).to_contain_text("The member is added")
        row = page.locator(f"[data-testid=member-row][data-username={member}]")
        expect(row).to_have_attribute("data-role", "editor")
        row.get_by_label(f"Role of {member}").select_option("viewer")
        row.get_by_role("button", name=f"Save the role of {member}").click()
        expect(page.get_by_test_id("notice")).to_contain_text("role is changed")
        expect(row).to_have_attribute("data-role", "viewer")

        # A prompt written now goes to the team's library, not the personal one.
        shared = create_prompt(page, "Team haiku", "Write a haiku about {{topic}}")
        page.goto("/prompts")
        expect(page.get_by_test_id("in-workspace")).to_contain_text(team)
        expect(page.locator("main")).to_contain_text("Team haiku")
        expect(page.locator("main")).not_to_contain_text("Personal notes")

        _switch_to(page, "Personal (personal)")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your prompts")
        expect(page.locator("main")).to_contain_text("Personal notes")
        expect(page.locator("main")).not_to_contain_text("Team haiku")
        _switch_to(page, team)
        expect(page.locator("main")).to_contain_text("Team haiku")

        # The viewer reads the prompt; no Run or Edit, a plain word instead.
        member_page.goto(f"/prompts/{shared}")
        expect(member_page.get_by_test_id("prompt-title")).to_have_text("Team haiku")
        expect(member_page.get_by_test_id("view-access")).to_contain_text("You have view access")
        expect(member_page.get_by_test_id("run-form")).to_have_count(0)
        expect(member_page.get_by_test_id("edit-prompt")).to_have_count(0)
        member_page.goto(f"/prompts/{own}")
        expect(member_page.get_by_role("heading", level=1)).to_have_text("Not found")
        assert all("404" in problem for problem in member_watch.problems), member_watch.problems
        member_watch.problems.clear()  # the 404 above was asked for
        member_page.goto(f"/workspaces/{workspace_id}/settings/members")
        expect(member_page.get_by_test_id("read-only")).to_be_visible()
        expect(member_page.get_by_test_id("add-member-form")).to_have_count(0)
        member_watch.check()

        # The owner's audit tab has what happened, filtered by action.
        page.goto(f"/workspaces/{workspace_id}/settings")
        page.get_by_role("navigation", name="Workspace settings").get_by_role(
            "link", name="Audit"
        ).click()
        page.get_by_label("Action").select_option("workspace.member_role_changed")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_test_id("event-row")).to_have_count(1)

        page.set_viewport_size(NARROW)
        for path in (
            "/prompts",
            "/workspaces",
            f"/workspaces/{workspace_id}/settings",
            f"/workspaces/{workspace_id}/settings/members",
            f"/workspaces/{workspace_id}/settings/audit",
        ):
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert _fits(page), f"{path} is wider than 375 px"

        # Deleting takes the exact name, typed.
        page.goto(f"/workspaces/{workspace_id}/settings")
        form = page.get_by_test_id("delete-workspace-form")
        form.get_by_label(f"Type “{team}” to confirm").fill(team.lower())
        form.get_by_role("button", name="Delete workspace").click()
        refused = page.get_by_test_id("delete-workspace-form").locator("[data-error-for=confirm]")
        expect(refused).to_contain_text("exact name")
        # The refused form's 422 is the one console message expected.
        assert len(watch.problems) == 1 and "422" in watch.problems[0], watch.problems
        watch.problems.clear()
        form = page.get_by_test_id("delete-workspace-form")
        form.get_by_label(f"Type “{team}” to confirm").fill(team)
        form.get_by_role("button", name="Delete workspace").click()
        expect(page).to_have_url(re.compile(r"/workspaces\?done=workspace-deleted$"))
        expect(page.get_by_test_id("notice")).to_contain_text("The workspace is deleted")
        expect(page.get_by_test_id("workspace-item")).to_have_count(1)
        page.goto("/prompts")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your prompts")
        expect(page.locator("main")).to_contain_text("Personal notes")
    finally:
        other.close()
