"""Building a test set in real Chromium: rows typed in the table, a new column, rows pasted
from a spreadsheet, a CSV file imported, the set's assertions, an export; and a response
added to a set from its page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import (
    add_key,
    create_prompt,
    fill_variables,
    go_to,
    register,
    settle,
    wait_for_estimate,
    wait_for_run_end,
)

pytestmark = pytest.mark.browser


def create_test_set(page: Page, name: str) -> None:
    go_to(page, "Test sets")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test sets")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_test_id("create-test-set").click()
    expect(page).to_have_url(re.compile(r"/test-sets/\d+\?done=test-set-created$"))
    expect(page.get_by_test_id("test-set-name")).to_have_text(name)
    settle(page)


def test_a_test_set_is_built_in_the_page(
    page: Page, username: str, watch: Watch, tmp_path: Path
) -> None:
    register(page, username)
    create_test_set(page, "Capitals")
    status = page.get_by_test_id("ts-status")

    # A column, then a row typed into the table.
    page.get_by_label("New column (a variable name)").fill("country")
    page.get_by_test_id("add-column").click()
    page.get_by_test_id("add-row").click()
    page.get_by_label("country, row 1").fill("France")
    page.get_by_label("expected, row 1").fill("Paris")
    page.get_by_role("button", name="Save row 1").click()
    expect(status).to_have_text("Row added.")

    # Rows pasted from a spreadsheet (tab-separated).
    page.get_by_test_id("paste-rows").fill("country\texpected\nSpain\tMadrid\nItaly\tRome\n")
    page.get_by_test_id("paste-submit").click()
    expect(page).to_have_url(re.compile(r"done=rows-imported"))
    expect(page.get_by_test_id("row-count")).to_have_text("3")
    settle(page)

    # A CSV file imported (a bad one is refused naming its line: tests/api/test_test_sets.py;
    # a 4xx answer logs a console error, which fails any browser test).
    good = tmp_path / "more.csv"
    good.write_text("country,expected,__meta.source\nPeru,Lima,atlas\n")
    page.get_by_test_id("import-file").set_input_files(good)
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("row-count")).to_have_text("4")
    settle(page)
    expect(page.get_by_test_id("test-row")).to_have_count(4)
    expect(page.get_by_label("country, row 4")).to_have_value("Peru")

    # A row edited, another deleted.
    page.get_by_label("expected, row 2").fill("Madrid, Spain")
    page.get_by_role("button", name="Save row 2").click()
    expect(status).to_have_text("Row saved.")
    page.get_by_role("button", name="Delete row 3").click()
    expect(status).to_have_text("Row deleted.")
    expect(page.get_by_test_id("test-row")).to_have_count(3)

    # The set's assertions: JSON that doesn't parse is refused before it is sent.
    assertions = page.get_by_test_id("assertions-json")
    assertions.fill('[{"type": "contains",')
    page.get_by_test_id("save-assertions").click()
    expect(status).to_contain_text("not valid JSON")
    assertions.fill('[{"type": "contains", "ignoreCase": true}]')
    page.get_by_test_id("threshold").fill("0.5")
    page.get_by_test_id("save-assertions").click()
    expect(status).to_have_text("Assertions saved.")

    # The export holds what the page shows.
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    exported = Path(download.value.path()).read_text()
    assert download.value.suggested_filename == "Capitals.csv"
    assert exported.splitlines() == [
        "country,expected,__meta.source",
        "France,Paris,",
        'Spain,"Madrid, Spain",',
        "Peru,Lima,atlas",
    ]

    page.reload()
    expect(page.get_by_test_id("threshold")).to_have_value("0.5")
    assert json.loads(assertions.input_value()) == [{"type": "contains", "ignoreCase": True}]
    watch.check()


def test_a_response_is_added_to_a_test_set_from_its_page(
    page: Page, username: str, fake: FakeProviderServer, watch: Watch
) -> None:
    register(page, username)
    add_key(page, "openai")
    create_test_set(page, "Haiku cases")
    prompt_id = create_prompt(page, "Haiku", "A haiku about {{topic}}.", variables=["topic"])
    fake.configure(text="Green leaves in hot water.")
    fill_variables(page, {"topic": "tea"})
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    wait_for_estimate(page)  # leaving while it is asked would abort its request
    page.get_by_test_id("history-item").first.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))

    page.get_by_test_id("add-to-test-set-choice").select_option(label="Haiku cases")
    page.get_by_test_id("add-to-test-set-submit").click()
    expect(page).to_have_url(re.compile(r"/test-sets/\d+\?done=row-added#rows$"))
    expect(page.get_by_test_id("notice")).to_contain_text("added to the test set")
    expect(page.get_by_label("topic, row 1")).to_have_value("tea")
    expect(page.get_by_label("expected, row 1")).to_have_value("Green leaves in hot water.")
    watch.check()
