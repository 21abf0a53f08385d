"""The whole journey of a new user, in real Chromium: register, add a key, make a category
and a prompt with two variables, run it (the answer streams in), find it in the history,
edit it (version 2 and its diff), compare two models, make and revoke an access token,
sign out and be refused."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.steps import (
    add_key,
    create_category,
    create_prompt,
    fill_variables,
    go_to,
    register,
    run_output,
    settle,
    wait_for_run_end,
)

pytestmark = pytest.mark.browser

ANSWER = "Steam curls from the cup, green leaves unfold in silence, autumn in my hands."
OTHER_ANSWER = "A quiet kettle sings; the first sip tastes of rain and amber light."
SLOW = {"chunks": 5, "chunk_delay": 0.4}  # two seconds of streaming, a chunk at a time

# True once the run panel shows streamed text while the run is still going: the text,
# else null (wait_for_function polls until it gets something truthy).
PARTIAL_WHILE_RUNNING = """() => {
  const output = document.getElementById("run-output");
  const stream = output.querySelector("[data-testid=run-stream]");
  const status = document.getElementById("run-status").textContent;
  const running = output.dataset.status === "running" && !output.querySelector(".output-done");
  if (!stream || !stream.textContent || !running || !status.startsWith("Streaming")) return null;
  return stream.textContent;
}"""

# Every compare column has streamed text while all of them are still running: the text
# by column title, else null.
COLUMNS_STREAMING_TOGETHER = """(count) => {
  const columns = Array.from(document.querySelectorAll("[data-testid=compare-column]"));
  if (columns.length !== count) return null;
  const texts = columns.map((column) => column.querySelector("pre.streaming")?.textContent ?? "");
  const running = columns.every((column) => column.dataset.status === "running");
  if (!running || !texts.every(Boolean)) return null;
  const titles = columns.map((column) => column.querySelector("[data-column-title]").textContent);
  return Object.fromEntries(titles.map((title, i) => [title, texts[i]]));
}"""


def test_a_new_user_registers_writes_runs_compares_and_signs_out(
    page: Page, fake: FakeProviderServer, username: str, live_url: str
) -> None:
    # Register: a newcomer lands on "create your account"; the empty library says what next.
    register(page, username)
    expect(page.get_by_test_id("empty-state")).to_contain_text("Add an API key")

    add_key(page, "openai")
    create_category(page, "Poetry", "Short verse")
    prompt_id = create_prompt(
        page,
        "Haiku",
        "Write a haiku about {{topic}} in {{language}}.",
        category="Poetry",
        variables=["topic", "language"],
    )
    expect(page.get_by_test_id("notice")).to_have_text("Created.")

    _run_and_watch_it_stream(page, fake)
    _find_the_run_in_the_history(page, prompt_id)
    _edit_and_see_version_2(page, prompt_id)
    _compare_two_models(page, fake, prompt_id)
    _create_use_and_revoke_a_token(page, live_url)
    _sign_out_and_be_refused(page, prompt_id)


def _run_and_watch_it_stream(page: Page, fake: FakeProviderServer) -> None:
    fake.configure(text=ANSWER, **SLOW)
    fill_variables(page, {"topic": "tea", "language": "English"})
    expect(page.get_by_test_id("run-preview")).to_have_text("Write a haiku about tea in English.")
    page.get_by_test_id("run-button").click()

    partial = page.wait_for_function(PARTIAL_WHILE_RUNNING).json_value()
    assert isinstance(partial, str)
    assert ANSWER.startswith(partial), partial
    assert partial != ANSWER, "the whole answer was there before the run ended"
    expect(page.get_by_test_id("stop-button")).to_be_enabled()

    wait_for_run_end(page)
    expect(page.get_by_test_id("run-status")).to_have_text("Done.")
    expect(run_output(page).get_by_test_id("run-markdown")).to_have_text(ANSWER)
    figures = run_output(page).get_by_test_id("run-meta")
    expect(figures).to_contain_text("GPT-4o mini")
    expect(figures).to_contain_text("Completed")
    expect(figures).to_contain_text("12 / 7")  # the fake's token counts


def _find_the_run_in_the_history(page: Page, prompt_id: int) -> None:
    item = page.get_by_test_id("history-item").first
    expect(item).to_have_attribute("data-status", "completed")
    expect(item).to_contain_text(ANSWER[:40])
    item.get_by_test_id("open-response").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}/responses/\d+$"))
    expect(page.get_by_test_id("response-markdown")).to_have_text(ANSWER)
    expect(page.get_by_test_id("response-input")).to_have_text(
        "Write a haiku about tea in English."
    )
    variables = page.get_by_test_id("response-variables")
    expect(variables).to_contain_text("topic")
    expect(variables).to_contain_text("tea")
    page.get_by_role("link", name="Back to the prompt").click()
    expect(page.get_by_test_id("prompt-title")).to_have_text("Haiku")


def _edit_and_see_version_2(page: Page, prompt_id: int) -> None:
    page.get_by_test_id("edit-prompt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
    content = page.get_by_label("Prompt", exact=True)
    expect(content).to_have_value("Write a haiku about {{topic}} in {{language}}.")
    content.fill("Write a haiku about {{topic}} in {{language}}.\nMention the season.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page).to_have_url(re.compile(rf"/prompts/{prompt_id}\?done=saved$"))
    expect(page.get_by_test_id("notice")).to_have_text("Saved.")
    expect(page.get_by_test_id("prompt-content")).to_contain_text("Mention the season.")
    versions = page.get_by_test_id("version-item")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("Version 2")

    page.get_by_test_id("show-diff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from version 1 to 2")
    diff = page.get_by_test_id("content-diff")
    expect(diff.locator("tr[data-kind=added]")).to_contain_text(["Mention the season."])
    page.get_by_role("link", name="Back to “Haiku”").click()
    expect(page.get_by_test_id("prompt-title")).to_have_text("Haiku")
    settle(page)


def _compare_two_models(page: Page, fake: FakeProviderServer, prompt_id: int) -> None:
    fake.configure_model("gpt-4o-mini", text=ANSWER, **SLOW)
    fake.configure_model("gpt-4.1-mini", text=OTHER_ANSWER, **SLOW)
    page.get_by_test_id("compare-prompt").click()
    expect(page).to_have_url(re.compile(rf"/compare\?prompt={prompt_id}$"))
    settle(page)
    models = page.get_by_test_id("compare-models")
    expect(models.get_by_label("GPT-4o mini", exact=True)).to_be_checked()
    models.get_by_label("GPT-4.1 mini", exact=True).check()
    form = page.get_by_test_id("compare-form")
    fill_variables(form, {"topic": "tea", "language": "English"})
    page.get_by_test_id("compare-run").click()

    answers = {"GPT-4o mini": ANSWER, "GPT-4.1 mini": OTHER_ANSWER}
    partial = page.wait_for_function(COLUMNS_STREAMING_TOGETHER, arg=2).json_value()
    assert isinstance(partial, dict) and partial.keys() == answers.keys(), partial
    for title, answer in answers.items():
        assert answer.startswith(partial[title]) and partial[title] != answer, partial

    columns = page.get_by_test_id("compare-column")
    for title, answer in answers.items():
        column = columns.filter(has=page.locator("[data-column-title]", has_text=title))
        expect(column).to_have_attribute("data-status", "completed")
        expect(column.get_by_test_id("column-status")).to_have_text("Done.")
        expect(column.get_by_test_id("run-markdown")).to_have_text(answer)
        expect(column.get_by_test_id("run-meta")).to_contain_text("12 / 7")
    expect(page.get_by_test_id("compare-status")).to_have_text("All models have answered.")
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    assert first and second
    assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"] + first["width"] / 2, (
        "the columns are not side by side"
    )


def _create_use_and_revoke_a_token(page: Page, live_url: str) -> None:
    go_to(page, "Settings", "Access tokens")
    expect(page.get_by_role("heading", name="New access token")).to_be_visible()
    form = page.get_by_test_id("new-token-form")
    form.get_by_label("Name", exact=True).fill("laptop CLI")
    form.get_by_role("button", name="Create token").click()

    created = page.get_by_test_id("created-token")
    expect(created).to_contain_text("shown this once")
    secret_field = created.get_by_test_id("token-secret")
    expect(secret_field).to_have_value(re.compile(r"^pp_\S{20,}$"))
    secret = secret_field.input_value()
    expect(created.get_by_role("button", name="Copy")).to_be_visible()
    bearer = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=live_url, headers=bearer) as api:
        listed = api.get("/api/v1/prompts")
        assert listed.status_code == 200, listed.text
        assert [item["title"] for item in listed.json()["items"]] == ["Haiku"]

        page.goto("/settings/tokens")  # shown once: not on the page any more
        expect(page.get_by_test_id("created-token")).to_have_count(0)
        assert secret not in page.content()
        item = page.get_by_test_id("token-item")
        expect(item).to_have_count(1)
        expect(item).to_contain_text("laptop CLI")
        item.get_by_role("button", name="Revoke").click()
        expect(page.get_by_test_id("notice")).to_contain_text("The token is revoked")
        expect(page.get_by_test_id("token-item")).to_have_count(0)
        assert api.get("/api/v1/prompts").status_code == 401


def _sign_out_and_be_refused(page: Page, prompt_id: int) -> None:
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/login\?done=signed-out$"))
    expect(page.get_by_test_id("notice")).to_have_text("You are signed out.")
    for path in ("/prompts", f"/prompts/{prompt_id}"):
        page.goto(path)
        expect(page).to_have_url(re.compile(rf"/login\?next={re.escape(path)}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to PromptPro")
    assert page.request.get("/api/v1/prompts").status == 401
