"""Finding and organising in real Chromium: compare groups, search, tags and stars."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.steps import add_key, create_prompt, fill_variables, register, settle

pytestmark = pytest.mark.browser


def test_a_compare_run_is_opened_again_and_its_winner_marked(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure_model("gpt-4o-mini", text="First answer.")
    fake.configure_model("gpt-4.1-mini", text="Second answer.")
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Tea", "Say something about {{topic}}.", variables=["topic"])
    page.goto(f"/compare?prompt={prompt_id}")
    settle(page)
    page.get_by_test_id("compare-models").get_by_label("GPT-4.1 mini", exact=True).check()
    fill_variables(page.get_by_test_id("compare-form"), {"topic": "tea"})
    page.get_by_test_id("compare-run").click()
    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")

    link = page.get_by_test_id("compare-group-link")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/compare-groups/\d+$"))
    columns = page.get_by_test_id("group-column")
    expect(columns).to_have_count(2)
    expect(page.get_by_test_id("compare-group")).to_contain_text("First answer.")
    expect(page.get_by_test_id("compare-group")).to_contain_text("Second answer.")
    second = columns.filter(has_text="Second answer.")
    second.get_by_test_id("mark-winner").click()
    expect(page).to_have_url(re.compile(r"/compare-groups/\d+$"))
    winner = page.locator("[data-winner=true]")
    expect(winner).to_have_count(1)
    expect(winner).to_contain_text("Second answer.")
    expect(winner.get_by_test_id("winner-badge")).to_have_text("Winner")


def test_the_search_page_finds_and_highlights_safely(page: Page, username: str) -> None:
    register(page, username)
    create_prompt(page, "Walrus notes", "<b>The walrus</b> & friends.", variables=[])
    create_prompt(page, "Other", "Nothing to see.", variables=[])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search$"))
    page.get_by_label("Words to find in your prompts and answers").fill("walrus")
    page.get_by_role("button", name="Search").click()
    hits = page.get_by_test_id("search-hit")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Walrus notes")
    snippet = hits.first.get_by_test_id("search-snippet")
    expect(snippet.locator("mark").first).to_have_text(re.compile("walrus", re.IGNORECASE))
    expect(snippet.locator("b")).to_have_count(0)
    hits.first.get_by_role("link", name="Walrus notes").click()
    expect(page.get_by_test_id("prompt-title")).to_have_text("Walrus notes")


def test_tags_are_added_in_the_editor_and_filter_the_library(page: Page, username: str) -> None:
    register(page, username)
    first = create_prompt(page, "Reply to boss", "Be polite.", variables=[])
    create_prompt(page, "Poem", "Rhyme.", variables=[])
    page.goto(f"/prompts/{first}/edit")
    page.get_by_label("Tags", exact=True).fill("Work, Email")
    page.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_test_id("prompt-title")).to_have_text("Reply to boss")

    page.goto("/prompts")
    settle(page)
    rows = page.get_by_test_id("prompt-row")
    expect(rows).to_have_count(2)
    rows.filter(has_text="Reply to boss").get_by_role("link", name="work").click()
    expect(page).to_have_url(re.compile(r"/prompts\?tag=work$"))
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("active-tag")).to_have_text(re.compile("work"))

    # A second tag narrows the filter (AND); taking it off widens it again.
    rows.first.get_by_role("link", name="email").click()
    expect(page.get_by_test_id("active-tag")).to_have_count(2)
    expect(rows).to_have_count(1)
    page.get_by_test_id("active-tag").first.click()
    expect(page.get_by_test_id("active-tag")).to_have_count(1)

    # The star and the sort selector.
    page.goto("/prompts")
    settle(page)
    star = rows.filter(has_text="Poem").get_by_test_id("favourite-star")
    expect(star).to_be_enabled()
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Favourites only").check()
    expect(page).to_have_url(re.compile(r"favourite=true"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Poem")
    page.goto("/prompts")
    page.get_by_label("Sort by").select_option("title")
    expect(page).to_have_url(re.compile(r"sort=title"))
    expect(rows.first).to_contain_text("Poem")
