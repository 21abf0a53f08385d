"""Settings, Endpoints and "Test key" in real Chromium, at 375 px too: an endpoint is added
by keyboard, listed with its models, deleted; a stored key is tested and found valid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import add_key, go_to, register

pytestmark = pytest.mark.browser


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_endpoints_and_key_checks(page: Page, username: str) -> None:
    register(page, username)
    add_key(page, "openai")
    item = page.locator("[data-testid=key-item][data-provider=openai]")
    item.get_by_role("button", name="Test key for OpenAI").click()
    check = page.get_by_test_id("key-check")
    expect(check).to_have_attribute("data-status", "valid")

    go_to(page, "Settings", "Endpoints")
    expect(page).to_have_url(re.compile(r"/settings/endpoints$"))
    expect(page.get_by_test_id("no-endpoints")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("router")
    page.get_by_label("Base URL").fill("https://llm.example.com/v1")
    page.get_by_label("Models (optional)").fill("llama-3.1-8b\nqwen2.5")
    page.get_by_label("Models (optional)").press("Tab")
    page.keyboard.press("Enter")  # focus is on "Add endpoint"
    expect(page.get_by_test_id("notice")).to_contain_text("The endpoint is added")
    endpoint = page.locator("[data-testid=endpoint-item][data-endpoint=router]")
    expect(endpoint.get_by_test_id("endpoint-models")).to_contain_text("router/qwen2.5")

    page.set_viewport_size({"width": 375, "height": 800})
    assert _fits(page)
    endpoint.get_by_test_id("delete-endpoint-start").click()
    endpoint.get_by_role("button", name="Delete the endpoint").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The endpoint is deleted")
    expect(page.get_by_test_id("no-endpoints")).to_be_visible()
