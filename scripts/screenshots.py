"""Take the README's screenshots: the library, a prompt after a run, the compare view and
an evaluation's results grid.

Starts the fake provider server and the app (SQLite in a temporary directory) on free
loopback ports, drives Debian's Chromium exactly as the browser tests do (the same launch
flags, the same page steps) to make a user with a few categories and prompts, runs one and
compares it on three models, and saves 1280x800 PNGs:

    docs/screenshots/library.png      the prompt library
    docs/screenshots/prompt-run.png   a prompt's page after a run (inputs, answer, figures)
    docs/screenshots/compare.png      the compare view after three models answered
    docs/screenshots/evaluation.png   a test set of six rows on three models, twice each

Run it from anywhere: `.venv/bin/python scripts/screenshots.py [--out DIR]`. Nothing
leaves the machine: every provider is the fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the browser tests' Chromium setup and page steps

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from tests.browser.chromium import CHROMIUM, VIEWPORT, launch  # noqa: E402
from tests.browser.steps import (  # noqa: E402
    add_key,
    api,
    create_category,
    create_prompt,
    fill_variables,
    register,
    settle,
    wait_for_run_end,
)
from tests.support.live import serve  # noqa: E402

from promptpro.config import load_settings  # noqa: E402
from promptpro.db import migrate  # noqa: E402
from promptpro.testing import FakeProviderServer  # noqa: E402

TIMEOUT_MS = 30_000
STREAM = {"chunks": 12, "chunk_delay": 0.02}

CATEGORIES = [
    ("Writing", "Prose, poems and release notes"),
    ("Code", "Reviews and explanations"),
    ("Support", "Replies to customers"),
]
# (title, content, model, category), the last one written first (the library lists the
# most recently updated on top).
PROMPTS = [
    (
        "Polite refund reply",
        "Write a short, friendly reply to {{customer}}, who asks for a refund on {{product}}. "
        "Offer an exchange first.",
        "gemini/gemini-2.5-flash",
        "Support",
    ),
    (
        "Explain a stack trace",
        "Explain this {{language}} stack trace to a junior developer and suggest a fix:\n\n"
        "{{trace}}",
        "openai/gpt-4.1-mini",
        "Code",
    ),
    (
        "Review a pull request",
        "Review this diff for bugs, naming and missing tests. Be brief and kind.\n\n{{diff}}",
        "anthropic/claude-sonnet-4-5",
        "Code",
    ),
    (
        "Haiku",
        "Write a haiku about {{topic}} in {{language}}.",
        "openai/gpt-4o-mini",
        "Writing",
    ),
    (
        "Release notes",
        "Turn these commit messages into release notes for {{audience}}. Group them under "
        "headings, most useful first.\n\n{{commits}}",
        "anthropic/claude-sonnet-4-5",
        "Writing",
    ),
]
RELEASE_VARIABLES = {
    "audience": "people who use the app every day",
    "commits": "feat: filter the library as you type\nfeat: compare up to six models\n"
    "feat: dark theme follows the system\nfix: exports keep line breaks",
}
RELEASE_NOTES = """## What's new in 2.4

- **Search as you type**: the library narrows down with every letter.
- **Compare up to six models** side by side, each streaming on its own.
- **Dark theme** that follows your system setting.

### Fixes

- Exports keep your line breaks.
"""
HAIKU_VARIABLES = {"topic": "green tea", "language": "English"}
HAIKUS = {
    "gpt-4o-mini": "Steam curls from the cup,\n\ngreen leaves unfold in silence —\n\n"
    "autumn in my hands.",
    "claude-sonnet-4-5": "*Jade water settles,*\n\n*a bitter warmth, then the sweet:*\n\n"
    "*morning finds its voice.*",
    "gemini-2.5-flash": "First sip, eyes half closed —\n\nthe kettle's song still hanging\n\n"
    "in the quiet room.",
}

# (country, capital) rows of the evaluation's test set, and what each model answers (the
# fake answers per model): each knows a different share of the capitals.
CAPITALS = [
    ("France", "Paris"),
    ("Japan", "Tokyo"),
    ("Peru", "Lima"),
    ("Kenya", "Nairobi"),
    ("Canada", "Ottawa"),
    ("Australia", "Canberra"),
]
CAPITAL_ANSWERS = {
    "gpt-4o-mini": "Paris, Tokyo, Lima or Nairobi: it depends on the country.",
    "claude-sonnet-4-5": "Paris. Tokyo. Lima. Nairobi. Ottawa. Canberra.",
    "gemini-2.5-flash": "Paris, Tokyo or Sydney.",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "docs" / "screenshots",
        help="where to save the PNGs (default: docs/screenshots)",
    )
    return parser.parse_args()


def scroll_to_bottom_of(page: Page, element_id: str, margin: int = 24) -> None:
    """Scroll so that the element ends just above the bottom of the window."""
    page.evaluate(
        """([id, margin]) => {
          const box = document.getElementById(id).getBoundingClientRect();
          window.scrollBy(0, box.bottom - window.innerHeight + margin);
        }""",
        [element_id, margin],
    )


def set_up_library(page: Page) -> None:
    """A user with three provider keys, three categories and five prompts."""
    register(page, "ada")
    for provider in ("openai", "anthropic", "gemini"):
        add_key(page, provider)
    for name, description in CATEGORIES:
        create_category(page, name, description)
    for title, content, model, category in PROMPTS:
        create_prompt(page, title, content, model=model, category=category)


def shoot_library(page: Page, out: Path) -> None:
    page.goto("/prompts")
    expect(page.get_by_test_id("prompt-row")).to_have_count(len(PROMPTS))
    page.screenshot(path=out / "library.png")


def shoot_prompt_run(page: Page, fake: FakeProviderServer, out: Path) -> None:
    """The release notes prompt after two runs: its inputs beside the answer and figures."""
    page.goto("/prompts")
    page.get_by_role("link", name="Release notes").click()
    expect(page.get_by_test_id("prompt-title")).to_have_text("Release notes")
    settle(page)
    fake.configure(text=RELEASE_NOTES, input_tokens=96, output_tokens=74, **STREAM)
    for _ in range(2):
        fill_variables(page, RELEASE_VARIABLES)
        page.get_by_test_id("run-button").click()
        wait_for_run_end(page)
    expect(page.get_by_test_id("history-item")).to_have_count(2)
    page.evaluate("window.scrollTo(0, 0)")  # the workbench: inputs and Run beside the answer
    page.screenshot(path=out / "prompt-run.png")


def shoot_compare(page: Page, fake: FakeProviderServer, out: Path) -> None:
    """The haiku on three models, side by side, after they all answered."""
    fake.reset()
    for model, text in HAIKUS.items():
        fake.configure_model(model, text=text, input_tokens=21, output_tokens=19, **STREAM)
    page.goto("/compare")
    page.get_by_label("Prompt", exact=True).select_option(label="Haiku")
    expect(page.get_by_test_id("compare-form")).to_be_visible()
    settle(page)
    models = page.get_by_test_id("compare-models")
    for label in ("Claude Sonnet 4.5", "Gemini 2.5 Flash"):
        models.get_by_label(label, exact=True).check()
    fill_variables(page.get_by_test_id("compare-form"), HAIKU_VARIABLES)
    page.get_by_test_id("compare-run").click()
    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")
    columns = page.get_by_test_id("compare-column")
    expect(columns).to_have_count(len(HAIKUS))
    for index in range(len(HAIKUS)):
        expect(columns.nth(index)).to_have_attribute("data-status", "completed")
    scroll_to_bottom_of(page, "compare-columns")
    page.screenshot(path=out / "compare.png")


def shoot_evaluation(page: Page, fake: FakeProviderServer, out: Path) -> None:
    """A test set of capitals on three models, twice each: the results grid at its end."""
    fake.reset()
    for model, text in CAPITAL_ANSWERS.items():
        fake.configure_model(model, text=text, chunks=4, chunk_delay=0.01)
    models = [
        f"{provider}/{model}"
        for provider, model in zip(("openai", "anthropic", "gemini"), CAPITAL_ANSWERS, strict=True)
    ]
    prompt = api(
        page,
        "POST",
        "/api/v1/prompts",
        {"title": "Capital city", "content": "The capital of {{country}}?", "model": models[0]},
    )
    assertions = [{"type": "contains"}, {"type": "max-latency", "value": 5000}]
    test_set = api(
        page, "POST", "/api/v1/test-sets", {"name": "Capitals", "assertions": assertions}
    )
    for country, capital in CAPITALS:
        row = {"variables": {"country": country}, "expected": capital}
        api(page, "POST", f"/api/v1/test-sets/{test_set['id']}/rows", row)
    body = {"testSetId": test_set["id"], "promptId": prompt["id"], "models": models, "repeats": 2}
    evaluation = api(page, "POST", "/api/v1/evaluations", body)
    page.goto(f"/evaluations/{evaluation['id']}")
    expect(page.get_by_test_id("evaluation-state")).to_have_text(re.compile("completed"))
    page.screenshot(path=out / "evaluation.png")


def main() -> int:
    args = parse_args()
    out: Path = args.out.resolve()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="promptpro-screenshots-") as tmp:
        database = f"sqlite+aiosqlite:///{Path(tmp) / 'promptpro.db'}"
        asyncio.run(migrate.upgrade(database))
        settings = load_settings(database_url=database, data_dir=Path(tmp) / "data")
        with FakeProviderServer() as fake:
            settings = settings.model_copy(
                update={
                    "openai_base_url": fake.openai_base_url,
                    "xai_base_url": fake.xai_base_url,
                    "anthropic_base_url": fake.anthropic_base_url,
                    "gemini_base_url": fake.gemini_base_url,
                }
            )
            with serve(settings) as base_url, sync_playwright() as playwright:
                browser = launch(playwright)
                context = browser.new_context(
                    base_url=base_url, viewport=VIEWPORT, color_scheme="light"
                )
                context.set_default_timeout(TIMEOUT_MS)
                expect.set_options(timeout=TIMEOUT_MS)
                page = context.new_page()
                set_up_library(page)
                shoot_library(page, out)
                shoot_prompt_run(page, fake, out)
                shoot_compare(page, fake, out)
                shoot_evaluation(page, fake, out)
                browser.close()
    for name in ("library.png", "prompt-run.png", "compare.png", "evaluation.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
