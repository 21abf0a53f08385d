"""Chat prompts in real Chromium: build one from messages (add, reorder by keyboard), run it
and read the answer; a schema prompt's answer as formatted JSON; a tool call continued."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.steps import (
    add_key,
    fill_variables,
    register,
    run_output,
    settle,
    wait_for_run_end,
)

pytestmark = pytest.mark.browser


def new_prompt(page: Page, title: str) -> None:
    page.goto("/prompts")
    page.get_by_test_id("new-prompt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New prompt")
    settle(page)
    page.get_by_label("Title", exact=True).fill(title)


def save(page: Page) -> int:
    page.get_by_label("Model", exact=True).select_option("openai/gpt-4o-mini")
    page.get_by_role("button", name="Create prompt").click()
    expect(page).to_have_url(re.compile(r"/prompts/\d+\?done=created$"))
    settle(page)
    match = re.search(r"/prompts/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def answer_id(page: Page) -> str:
    """The stored response the run panel shows."""
    response_id = run_output(page).locator(".output-done").get_attribute("data-response-id")
    assert response_id, "the run panel names the stored response"
    return response_id


def test_a_chat_prompt_is_built_reordered_by_keyboard_and_run(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text="Tea is a drink.", chunks=2)
    page.set_viewport_size({"width": 375, "height": 740})
    register(page, username)
    add_key(page, "openai")
    new_prompt(page, "Chatty")

    page.get_by_label("Chat: a list of messages").check()
    expect(page.get_by_label("Prompt", exact=True)).to_be_hidden()
    page.get_by_label("Message 1 text").fill("Tell me about {{topic}}.")
    page.get_by_test_id("add-message").click()
    # The new message has focus, and its role follows the conversation.
    expect(page.get_by_label("Message 2 text")).to_be_focused()
    page.get_by_label("Message 2 role").select_option("system")
    page.get_by_label("Message 2 text").fill("You are brief.")
    # Move the system message up with the keyboard: focus stays on the moved message.
    page.get_by_role("button", name="Move message 2 up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message 1 text")).to_have_value("You are brief.")
    expect(page.get_by_label("Message 1 role")).to_have_value("system")
    expect(page.get_by_label("Message 2 text")).to_have_value("Tell me about {{topic}}.")
    expect(page.get_by_test_id("variables-list").locator(".chip")).to_have_text(["topic"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the editor is too wide"
    save(page)

    fill_variables(page, {"topic": "tea"})
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    expect(run_output(page)).to_contain_text("Tea is a drink.")
    assert fake.last_request.body["messages"] == [
        {"role": "system", "content": "You are brief."},
        {"role": "user", "content": "Tell me about tea."},
    ]
    # The editor shows the saved messages in their order.
    page.goto(page.url.split("?")[0] + "/edit")
    settle(page)
    expect(page.get_by_label("Message 1 text")).to_have_value("You are brief.")
    page.get_by_role("button", name="Remove message 1").click()
    expect(page.get_by_label("Message 1 text")).to_have_value("Tell me about {{topic}}.")
    expect(page.get_by_label("Message 2 text")).to_have_count(0)


def test_a_schema_prompts_answer_is_shown_as_formatted_json_with_its_verdict(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    fake.configure(text='{"name":"Ada","age":"old"}')
    register(page, username)
    add_key(page, "openai")
    new_prompt(page, "Person")
    page.get_by_label("Prompt", exact=True).fill("Who wrote the first program?")
    page.get_by_text("Structured output and tools").click()
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    page.get_by_label("Output schema (JSON Schema)").fill(json.dumps(schema))
    prompt_id = save(page)

    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    expect(page.get_by_test_id("run-schema-verdict")).to_contain_text("doesn't fit")
    response_id = answer_id(page)
    page.goto(f"/prompts/{prompt_id}/responses/{response_id}")
    expect(page.get_by_test_id("formatted-json")).to_have_text(
        json.dumps({"name": "Ada", "age": "old"}, indent=2)
    )
    expect(page.get_by_test_id("schema-verdict")).to_contain_text("Doesn't fit")
    expect(page.get_by_test_id("schema-failures")).to_contain_text("/age")


def test_a_tool_call_is_answered_on_the_response_page_and_the_conversation_goes_on(
    page: Page, fake: FakeProviderServer, username: str
) -> None:
    tools = [{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}]
    fake.configure(text="", tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {}}])
    register(page, username)
    add_key(page, "openai")
    new_prompt(page, "Weather")
    page.get_by_label("Prompt", exact=True).fill("Weather in Oslo?")
    page.get_by_text("Structured output and tools").click()
    page.get_by_label("Tools (JSON)").fill(json.dumps(tools))
    save(page)
    page.get_by_test_id("run-button").click()
    wait_for_run_end(page)
    expect(page.get_by_test_id("run-tool-calls")).to_contain_text("get_weather")
    page.get_by_role("link", name="give the results and continue").click()

    expect(page.get_by_test_id("tool-calls")).to_contain_text("get_weather")
    fake.configure(text="Sunny in Oslo.")
    page.get_by_label("Result of get_weather").fill("sunny")
    page.get_by_test_id("continue-run").click()

    expect(page.get_by_test_id("response-markdown")).to_contain_text("Sunny in Oslo.")
    expect(page.get_by_test_id("conversation")).to_contain_text("sunny")
    assert fake.last_request.body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "sunny",
    }
