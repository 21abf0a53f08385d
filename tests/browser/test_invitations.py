"""Invitations in real Chromium: an owner makes a link on the workspace's invitations tab
and copies it; a newcomer opens it, creates an account from it and is a member; a signed-in
user accepts another with the keyboard; a used link is a clear page; 375 px wide too."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import Watch
from tests.browser.steps import register
from tests.support.auth import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 375, "height": 800}


def _team(page: Page, name: str) -> int:
    """A team workspace made with the page's session (the API, as the switcher would)."""
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    made = page.request.post(
        "/api/v1/workspaces", data={"name": name}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status == 201, made.text()
    return int(made.json()["id"])


def _make_link(page: Page, team: int, role: str) -> str:
    page.goto(f"/workspaces/{team}/settings/invitations")
    expect(page.get_by_role("navigation", name="Workspace settings")).to_be_visible()
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Make a link").click()
    link = page.get_by_role("textbox", name="Invitation link")
    expect(link).to_have_value(re.compile(r"/invitations/ppi_"))
    value = link.input_value()
    return value[value.index("/invitations/") :]


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_owner_invites_a_newcomer_who_registers_and_joins(
    page: Page, browser: Browser, live_url: str, username: str
) -> None:
    register(page, username)
    team = _team(page, f"Team {username}")
    link = _make_link(page, team, "editor")
    expect(page.get_by_test_id("invitation-item")).to_have_count(1)

    newcomer_context = browser.new_context(base_url=live_url, viewport=NARROW)
    try:
        newcomer = newcomer_context.new_page()
        watch = Watch(newcomer)
        newcomer.goto(link)
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Join “Team {username}”")
        expect(newcomer.get_by_test_id("invitation-role")).to_have_text("editor")
        assert _fits(newcomer)
        newcomer.get_by_role("link", name="Create an account and join").click()
        expect(newcomer.get_by_test_id("register-invited")).to_be_visible()
        newcomer.get_by_label("Username", exact=True).fill(f"{username}n")
        newcomer.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
        newcomer.get_by_role("button", name="Create account").click()
        expect(newcomer.get_by_test_id("notice")).to_have_text("You joined the workspace.")
        members = newcomer.request.get(f"/api/v1/workspaces/{team}/members").json()
        assert {m["username"]: m["role"] for m in members}[f"{username}n"] == "editor"

        watch.check()
        # Its status is 410, which Chromium notes in the console by itself: not watched.
        newcomer.goto(link)
        expect(newcomer.get_by_test_id("invitation-unusable")).to_contain_text("used already")
    finally:
        newcomer_context.close()

    page.reload()
    expect(page.locator("[data-testid=invitation-item][data-status=used]")).to_have_count(1)


def test_a_signed_in_user_accepts_with_the_keyboard(
    page: Page, browser: Browser, live_url: str, username: str
) -> None:
    register(page, username)
    team = _team(page, f"Crew {username}")
    link = _make_link(page, team, "viewer")

    other_context = browser.new_context(base_url=live_url)
    try:
        other = other_context.new_page()
        watch = Watch(other)
        register(other, f"{username}k")
        other.goto(link)
        accept = other.get_by_role("button", name=f"Accept and join as {username}k")
        accept.focus()
        other.keyboard.press("Enter")
        expect(other.get_by_test_id("notice")).to_have_text("You joined the workspace.")
        watch.check()
    finally:
        other_context.close()
