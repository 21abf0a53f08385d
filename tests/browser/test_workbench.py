"""The everyday loop in real Chromium: the answer in sight after Run, at 1280x800 and at
375 px, on the prompt page and on compare."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Locator, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.steps import (
    add_key,
    create_prompt,
    fill_variables,
    register,
    run_output,
    settle,
    wait_for_run_end,
)

pytestmark = pytest.mark.browser

LONG_PROMPT = "\n".join(f"Line {n} of a long prompt about {{{{topic}}}}." for n in range(40))
SHOTS = os.environ.get("PROMPTPRO_TEST_SHOTS")  # a folder: keep screenshots to look at


def shot(page: Page, name: str) -> None:
    """A screenshot to look at, when asked for."""
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png")


def inside_viewport(page: Page, locator: Locator) -> bool:
    """Whether the element's box is wholly inside the viewport (scrolled as it is)."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def top_inside_viewport(page: Page, locator: Locator) -> bool:
    """Whether the element's top edge is on screen (a long answer may run past the bottom)."""
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return 0 <= box["y"] < size["height"] - 40 and box["x"] + box["width"] <= size["width"]


def test_at_1280x800_run_and_the_answer_are_both_in_sight(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="An answer in sight.\n\nSecond paragraph.", chunks=3, chunk_delay=0.2)
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Workbench", LONG_PROMPT, variables=["topic"])
    fill_variables(page, {"topic": "tea"})
    shot(page, "prompt-1280-before")
    run = page.get_by_test_id("run-button")
    assert inside_viewport(page, run), "the Run button is below the fold"
    assert page.evaluate("window.scrollY") == 0

    run.click()
    expect(page.get_by_test_id("run-stream")).to_contain_text("An answer")
    assert page.evaluate("window.scrollY") == 0, "the page had to scroll"
    assert top_inside_viewport(page, run_output(page)), "the answer streams out of sight"
    wait_for_run_end(page)
    shot(page, "prompt-1280-after")
    assert inside_viewport(page, run)
    assert top_inside_viewport(page, run_output(page))


def test_at_375px_run_brings_the_answer_into_view(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="Small screen answer.", chunks=3, chunk_delay=0.2)
    page.set_viewport_size({"width": 375, "height": 740})
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Narrow", LONG_PROMPT, variables=["topic"])
    fill_variables(page, {"topic": "tea"})
    answer = page.get_by_test_id("run-result")
    expect(answer).not_to_be_in_viewport()

    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-stream")).to_contain_text("Small screen")
    expect(run_output(page)).to_be_in_viewport()
    wait_for_run_end(page)
    shot(page, "prompt-375-after")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page is too wide"


def test_compare_columns_are_in_sight_when_the_streams_start(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="A column's answer.", chunks=4, chunk_delay=0.3)
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Side by side", LONG_PROMPT, variables=["topic"])
    page.goto(f"/compare?prompt={prompt_id}")
    settle(page)
    page.get_by_test_id("compare-models").get_by_label("GPT-4.1 mini", exact=True).check()
    fill_variables(page.get_by_test_id("compare-form"), {"topic": "tea"})
    page.evaluate("window.scrollTo(0, 0)")
    run = page.get_by_test_id("compare-run")
    shot(page, "compare-1280-before")
    assert inside_viewport(page, run), "Run on all is below the fold"

    run.click()
    columns = page.get_by_test_id("compare-column")
    expect(columns).to_have_count(2)
    expect(columns.first.locator("pre.streaming")).not_to_be_empty()
    shot(page, "compare-1280-streaming")
    for index in range(2):
        assert top_inside_viewport(page, columns.nth(index)), "a column streams out of sight"
    assert inside_viewport(page, run)
    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")
    shot(page, "compare-1280-after")


def test_compare_at_375px_scrolls_to_the_columns(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="A narrow column.", chunks=4, chunk_delay=0.3)
    page.set_viewport_size({"width": 375, "height": 740})
    register(page, username)
    add_key(page, "openai")
    prompt_id = create_prompt(page, "Narrow compare", "Say {{topic}}.", variables=["topic"])
    page.goto(f"/compare?prompt={prompt_id}")
    settle(page)
    page.get_by_test_id("compare-models").get_by_label("GPT-4.1 mini", exact=True).check()
    fill_variables(page.get_by_test_id("compare-form"), {"topic": "tea"})
    page.get_by_test_id("compare-run").click()
    expect(page.get_by_test_id("compare-column").first).to_be_in_viewport()
    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")
    shot(page, "compare-375-after")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page is too wide"


# The words of the version diff's headers that a line break cuts in two.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("[data-testid=version-diff] th, h1")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


def test_the_version_diff_headers_keep_their_words_whole_at_375px(
    page: Page, username: str
) -> None:
    register(page, username)
    prompt_id = create_prompt(page, "Diffed", "First wording.", variables=[])
    page.get_by_test_id("edit-prompt").click()
    page.get_by_label("Title", exact=True).fill("Diffed, with a much longer title than before")
    page.get_by_label("Prompt", exact=True).fill("Second wording, longer.")
    page.get_by_label("Model", exact=True).select_option("anthropic/claude-sonnet-4-5")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_test_id("notice")).to_have_text("Saved.")

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/prompts/{prompt_id}/versions?from=1&to=2")
    expect(page.get_by_test_id("field-change").first).to_be_visible()
    shot(page, "diff-375")
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the page is too wide"


def test_a_long_answer_streams_in_sight_at_1280x800(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    long_answer = "".join(f"Paragraph {n} of a long answer.\n\n" for n in range(60)) + "The end."
    fake.configure(text=long_answer, chunks=30, chunk_delay=0.05)
    register(page, username)
    add_key(page, "openai")
    create_prompt(page, "Long answer", "Say a lot.", variables=[])
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    shot(page, "long-answer")
    # The answer scrolls within its box, which stays on screen; the page itself did not move.
    assert page.evaluate("window.scrollY") == 0
    assert inside_viewport(page, page.get_by_test_id("run-result"))
    assert inside_viewport(page, page.get_by_test_id("run-button"))
