"""What a person does in the pages, one step at a time, as the browser tests and the
screenshot script do it: by labels, roles and the pages' `data-testid`s."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.support.auth import DEFAULT_PASSWORD
from tests.support.runs import API_KEY

PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Google Gemini"}
KEYS_LINK = "Go to Settings \u203a Keys"  # the run panel's link when a key is the problem


def api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """Call the JSON API as the page's user (its session cookie and CSRF token, as the
    pages' scripts do): the answer's JSON, None for a 204."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    response = page.request.fetch(path, method=method, data=body, headers={"X-CSRF-Token": token})
    assert response.ok, response.text()
    return response.json() if response.status != 204 else None


def settle(page: Page) -> None:
    """Wait until the page's scripts have run. The run and compare forms work by script:
    clicking before it has loaded submits the bare form (a reload) instead."""
    page.wait_for_load_state("load")


def wait_for_estimate(page: Page) -> None:
    """Wait until the run panel's estimate is answered (it is busy while asked): leaving the
    page earlier aborts its request, and the first one loads the tokenizer (about a second)."""
    expect(page.locator("#run-estimate[aria-busy=true]")).to_have_count(0)


def go_to(page: Page, section: str, tab: str | None = None) -> None:
    """Follow the main navigation to `section`, then the settings `tab` if given."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=section).click()
    if tab is not None:
        page.get_by_role("navigation", name="Settings").get_by_role("link", name=tab).click()


def register(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Open the site as a newcomer, land on "create your account", create it."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/register$"))
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/prompts$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your prompts")
    # Its scripts loaded: leaving at once (signing out, say) would abort them mid-load.
    settle(page)


def add_key(page: Page, provider: str = "openai", key: str = API_KEY) -> None:
    """Save a provider key in Settings, Provider keys; only its hint is shown after."""
    name = PROVIDER_NAMES[provider]
    go_to(page, "Settings", "Provider keys")
    expect(page).to_have_url(re.compile(r"/settings/keys"))
    item = page.locator(f"[data-testid=key-item][data-provider={provider}]")
    expect(item.get_by_text("No key")).to_be_visible()
    item.get_by_label(f"{name} API key").fill(key)
    item.get_by_role("button", name="Save key").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The key is saved")
    expect(item).to_have_attribute("data-configured", "true")
    hint = item.get_by_test_id("key-hint")
    expect(hint).to_contain_text(key[-4:])
    assert key not in page.content(), "the key itself must never be shown again"


def create_category(page: Page, name: str, description: str = "") -> None:
    """Add a category on the categories page."""
    go_to(page, "Categories")
    expect(page.get_by_role("heading", level=1)).to_have_text("Categories")
    form = page.get_by_test_id("new-category-form")
    form.get_by_label("Name", exact=True).fill(name)
    if description:
        form.get_by_label("Description (optional)").fill(description)
    form.get_by_role("button", name="Add category").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The category is created")
    expect(page.get_by_test_id("category-list")).to_contain_text(name)


def create_prompt(
    page: Page,
    title: str,
    content: str,
    *,
    model: str = "openai/gpt-4o-mini",
    category: str | None = None,
    variables: list[str] | None = None,
) -> int:
    """Write a prompt in the editor (its {{variables}} listed as typed); its id."""
    page.goto("/prompts")
    page.get_by_test_id("new-prompt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New prompt")
    settle(page)  # the editor lists the variables as they are typed
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Prompt", exact=True).fill(content)
    if variables is not None:
        chips = page.get_by_test_id("variables-list").locator(".chip")
        expect(chips).to_have_text(variables)
    if category is not None:
        page.get_by_label("Category", exact=True).select_option(label=category)
    page.get_by_label("Model", exact=True).select_option(model)
    page.get_by_role("button", name="Create prompt").click()
    expect(page).to_have_url(re.compile(r"/prompts/\d+\?done=created$"))
    expect(page.get_by_test_id("prompt-title")).to_have_text(title)
    settle(page)
    wait_for_estimate(page)
    match = re.search(r"/prompts/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def fill_variables(scope: Page | Locator, values: dict[str, str]) -> None:
    """Type a value into each variable's field of a run or compare form."""
    for name, value in values.items():
        scope.get_by_label(name, exact=True).fill(value)


def run_output(page: Page) -> Locator:
    """The run panel's answer area."""
    return page.get_by_test_id("run-output")


def wait_for_run_end(page: Page, status: str = "completed") -> None:
    """Wait until the run panel shows the stored, rendered answer with `status`."""
    done = run_output(page).locator(".output-done")
    expect(done).to_have_attribute("data-status", status)
    expect(page.get_by_test_id("run-button")).to_be_enabled()
