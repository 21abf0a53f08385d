"""The editor's chat fields and the response page's structured output and tool calls,
through the pages as a browser posts them (no script)."""

from __future__ import annotations

import json

from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.web.conftest import Browser, create_prompt, field_error, hidden, text_of

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


async def test_a_chat_prompt_is_made_from_the_posted_messages_in_order(
    ada_browser: Browser,
) -> None:
    ada = ada_browser.client
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {
            "form_token": hidden(page.text, "form_token"),
            "title": "Chat",
            "model": "openai/gpt-4o-mini",
            "type": "chat",
            "messages.role": ["system", "user"],
            "messages.content": ["Be brief.", "About {{topic}}"],
            "schema": json.dumps(SCHEMA),
            "tools": "",
        },
    )
    assert response.status_code == 303, response.text
    prompt_id = int(response.headers["location"].split("/")[2].split("?")[0])
    prompt = (await ada.get(f"/api/v1/prompts/{prompt_id}")).json()
    assert prompt["type"] == "chat"
    assert prompt["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "About {{topic}}"},
    ]
    assert prompt["schema"] == SCHEMA
    editor = (await ada_browser.get(f"/prompts/{prompt_id}/edit")).text
    assert editor.index("Be brief.") < editor.index("About {{topic}}")
    assert 'value="chat" data-type-choice checked' in editor


async def test_a_schema_that_is_not_json_is_shown_by_its_box(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {
            "form_token": hidden(page.text, "form_token"),
            "title": "T",
            "content": "c",
            "schema": "{not json",
        },
    )
    assert response.status_code == 422
    assert "not JSON" in (field_error(response.text, "schema") or "")


async def test_an_empty_chat_prompt_is_refused_next_to_the_messages(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {"form_token": hidden(page.text, "form_token"), "title": "T", "type": "chat"},
    )
    assert response.status_code == 422
    assert "at least one message" in text_of(response.text)


async def test_the_response_page_shows_formatted_json_failures_and_a_tool_call_form(
    app: FastAPI, ada_browser: Browser
) -> None:
    ada = ada_browser.client
    prompt_id = await create_prompt(ada_browser)
    owner_id = (await ada.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        storage = Storage(session)
        structured = await storage.create_response(
            owner_id,
            prompt_id,
            ResponseCreate(
                model="openai/m",
                content='{"a":"x"}',
                schema_valid=False,
                schema_errors=["/a: 'x' is not of type 'integer'"],
            ),
        )
        called = await storage.create_response(
            owner_id,
            prompt_id,
            ResponseCreate(
                model="openai/m",
                content="",
                tool_calls=[{"id": "c1", "name": "lookup", "arguments": {"q": "tea"}}],
            ),
        )
        ids = structured.id, called.id

    page = (await ada_browser.get(f"/prompts/{prompt_id}/responses/{ids[0]}")).text
    assert "{\n  &#34;a&#34;: &#34;x&#34;\n}" in page or '{\n  "a": "x"\n}' in page
    assert "Doesn&#39;t fit the schema" in page or "Doesn't fit the schema" in page
    assert "/a: &#39;x&#39; is not of type" in page or "/a: 'x' is not of type" in page
    page = (await ada_browser.get(f"/prompts/{prompt_id}/responses/{ids[1]}")).text
    assert 'data-testid="continue-form"' in page
    assert 'name="callId" value="c1"' in page
    assert 'for="result-1">Result of lookup' in page
