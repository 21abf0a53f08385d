"""The admin page in real Chromium: an admin (promoted from the server's shell) finds a user
by keyboard, disables and re-enables them, sees it in the audit log; at 375 px too. The user
finds their own events under Settings, Activity; a non-admin has no Admin link."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from typer.testing import CliRunner

from promptpro.cli import app as cli_app
from promptpro.config import get_settings
from tests.browser.steps import go_to, register

pytestmark = pytest.mark.browser

NARROW: ViewportSize = {"width": 375, "height": 800}


def _promote(tmp_path_factory: pytest.TempPathFactory, username: str) -> None:
    """`promptpro users promote USERNAME` on the live server's database."""
    [database] = Path(tmp_path_factory.getbasetemp()).glob("browser[0-9]*/promptpro.db")
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "PROMPTPRO_DATA_DIR": str(database.parent / "data"),
    }

    def run() -> str:
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli_app, ["users", "promote", username], env=env)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return result.output

    # In a thread: the sync Playwright API keeps an event loop marked running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert "is now an instance admin" in pool.submit(run).result()


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_admin_page(
    page: Page,
    browser: Browser,
    live_url: str,
    username: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    member = f"{username}m"
    register(page, username)
    member_page = browser.new_context(base_url=live_url)
    try:
        newcomer = member_page.new_page()
        register(newcomer, member)
        expect(newcomer.get_by_test_id("admin-link")).to_have_count(0)
    finally:
        member_page.close()

    _promote(tmp_path_factory, username)
    page.reload()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")

    search = page.get_by_label("Search by username or email")
    search.focus()
    page.keyboard.type(member)
    page.keyboard.press("Enter")
    row = page.locator(f"[data-testid=user-row][data-username={member}]")
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("user-row")).to_have_count(1)
    row.get_by_role("button", name=f"Disable {member}").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The user is changed")
    row = page.locator(f"[data-testid=user-row][data-username={member}]")
    expect(row.get_by_test_id("status")).to_have_text("Disabled")
    row.get_by_role("button", name=f"Enable {member}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notice")).to_be_visible()
    expect(row.get_by_test_id("status")).to_have_text("Active")

    # The registration policy: saved as it is (changing it would close the server for the
    # other browser tests).
    expect(page.get_by_label("Who may register")).to_have_value("open")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("notice")).to_contain_text("registration policy is saved")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Audit log"
    ).click()
    page.get_by_label("Action").select_option("user.disabled")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/admin/audit\?action=user.disabled"))
    expect(page.get_by_test_id("event-row").first).to_contain_text(
        f"{member} disabled by {username}"
    )

    page.set_viewport_size(NARROW)
    for path in ("/admin", "/admin/audit"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert _fits(page), f"{path} is wider than 375 px"

    go_to(page, "Settings", "Activity")
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()
    assert _fits(page)
    expect(page.locator("[data-testid=event-row][data-action='user.disabled']")).to_have_count(1)
