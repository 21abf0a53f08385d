"""The editor and the prompt page: create, validate, version, diff, delete, and privacy."""

from __future__ import annotations

import asyncio
import re

from fastapi import FastAPI

from tests.web.conftest import Browser, create_prompt, field_error, hidden, text_of


async def test_the_editor_lists_the_variables_and_the_models_by_provider(
    ada_browser: Browser,
) -> None:
    page = (await ada_browser.get("/prompts/new")).text
    assert page.count("<h1") == 1
    assert 'data-testid="variables-list"' in page
    assert '<optgroup label="OpenAI (no key yet)">' in page
    assert "— no key" in page
    for name in ("temperature", "maxTokens", "topP"):
        assert f'name="parameters.{name}"' in page
    assert 'min="0" max="2"' in page  # temperature's range
    assert 'id="f-title"' in page and 'for="f-title"' in page
    assert "data-guard-unsaved" in page  # editor.js warns before leaving with changes


async def test_creating_a_prompt_saves_everything_it_was_given(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(
        ada_browser,
        **{
            "parameters.temperature": "0.7",
            "parameters.maxTokens": "200",
            "parameters.topP": "0.9",
            "parameters.system": "Be brief.",
            "parameters.stop": "\\n\\n\nEND",
        },
    )
    prompt = (await ada_browser.client.get(f"/api/v1/prompts/{prompt_id}")).json()
    assert prompt["parameters"] == {
        "temperature": 0.7,
        "maxTokens": 200,
        "topP": 0.9,
        "system": "Be brief.",
        "stop": ["\n\n", "END"],
    }
    page = await ada_browser.get(f"/prompts/{prompt_id}?done=created")
    assert page.status_code == 200
    assert "Created." in text_of(page.text)
    edit = (await ada_browser.get(f"/prompts/{prompt_id}/edit")).text
    assert "\\n\\n\nEND" in edit  # the stop sequences, as they were typed


async def test_editor_errors_show_next_to_their_field_keeping_the_input(
    ada_browser: Browser,
) -> None:
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {
            "form_token": hidden(page.text, "form_token"),
            "title": "",
            "content": "Keep this {{text}}",
            "parameters.temperature": "3",
            "parameters.maxTokens": "0",
            "parameters.topP": "abc",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "title") == "String should have at least 1 character"
    assert field_error(response.text, "parameters.temperature") == (
        "Input should be less than or equal to 2"
    )
    assert field_error(response.text, "parameters.maxTokens")
    assert field_error(response.text, "parameters.topP")
    assert field_error(response.text, "content") is None
    assert "Keep this {{text}}</textarea>" in response.text
    assert 'value="3"' in response.text and 'value="abc"' in response.text
    assert re.search(r'id="f-title"[^>]*aria-invalid="true"', response.text)
    assert '<details class="disclosure" open>' in response.text  # parameters shown
    listed = (await ada_browser.client.get("/api/v1/prompts")).json()
    assert listed["items"] == []


async def test_domain_errors_land_on_their_field_too(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {
            "form_token": hidden(page.text, "form_token"),
            "title": "T",
            "content": "C",
            "categoryId": "12345",
            "modelOther": "nosuch/model",
        },
    )
    assert response.status_code == 422
    error = field_error(response.text, "categoryId") or field_error(response.text, "modelOther")
    assert error in {
        "No such category.",
        "Unknown provider 'nosuch' in model: use one of anthropic, gemini, openai, xai, "
        "or the name of one of your endpoints.",
    }


async def test_a_double_submit_creates_one_prompt(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    form = {"form_token": hidden(page.text, "form_token"), "title": "Once", "content": "Hi"}
    first, second = await asyncio.gather(
        ada_browser.post("/prompts/new", form), ada_browser.post("/prompts/new", form)
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    listed = (await ada_browser.client.get("/api/v1/prompts")).json()
    assert [item["title"] for item in listed["items"]] == ["Once"]
    again = await ada_browser.post("/prompts/new", form)  # a reload that posts again
    assert again.headers["location"] == first.headers["location"]


async def test_saving_keeps_a_new_version_and_the_diff_shows_it(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser, content="Line one\nLine two\nLine three")
    response = await ada_browser.post(
        f"/prompts/{prompt_id}/edit",
        {
            "title": "Haiku v2",
            "content": "Line one\nLine 2\nLine three",
            "model": "anthropic/claude-sonnet-4-5",
            "parameters.temperature": "1",
        },
    )
    assert response.headers["location"] == f"/prompts/{prompt_id}?done=saved"
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert page.count('data-testid="version-item"') == 2
    assert "Version 2" in text_of(page)
    diff = await ada_browser.get(f"/prompts/{prompt_id}/versions?from=1&to=2")
    assert diff.status_code == 200
    words = text_of(diff.text)
    assert "removed: Line two" in words and "added: Line 2" in words
    assert re.findall(r'data-kind="(\w+)"', diff.text) == ["same", "removed", "added", "same"]
    assert "Haiku v2" in words and "temperature" in words
    same = await ada_browser.get(f"/prompts/{prompt_id}/versions?from=2&to=2")
    assert 'data-testid="no-changes"' in same.text
    missing = await ada_browser.get(f"/prompts/{prompt_id}/versions?from=1&to=9")
    assert missing.status_code == 404


async def test_texts_too_large_to_diff_say_so(app: FastAPI, ada_browser: Browser) -> None:
    app.state.settings = app.state.settings.model_copy(update={"diff_max_lines": 3})
    prompt_id = await create_prompt(ada_browser, content="one\ntwo\nthree\nfour")
    edit = {"title": "Haiku", "content": "1\ntwo\nthree\n4", "model": "openai/gpt-4o-mini"}
    await ada_browser.post(f"/prompts/{prompt_id}/edit", edit)
    diff = await ada_browser.get(f"/prompts/{prompt_id}/versions?from=1&to=2")
    assert diff.status_code == 200
    assert 'data-testid="diff-too-large"' in diff.text
    assert "too large to diff line by line" in text_of(diff.text)
    assert 'data-testid="no-changes"' not in diff.text


async def test_saving_without_changes_adds_no_version(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser, title="Same", content="Same text")
    await ada_browser.post(
        f"/prompts/{prompt_id}/edit",
        {"title": "Same", "content": "Same text", "model": "openai/gpt-4o-mini"},
    )
    versions = (await ada_browser.client.get(f"/api/v1/prompts/{prompt_id}/versions")).json()
    assert len(versions) == 1


async def test_the_prompt_page_has_a_run_panel_with_one_field_per_variable(
    ada_browser: Browser,
) -> None:
    prompt_id = await create_prompt(ada_browser)
    page = (await ada_browser.get(f"/prompts/{prompt_id}")).text
    assert page.count("<h1") == 1
    for testid in (
        "run-form",
        "run-button",
        "stop-button",
        "run-output",
        "run-status",
        "run-preview",
        "history-list",
        "versions-list",
        "run-model",
    ):
        assert f'data-testid="{testid}"' in page, testid
    assert 'name="variables.topic"' in page and 'name="variables.language"' in page
    assert '<label for="f-variables-topic">topic</label>' in page
    assert f'data-run-url="/api/v1/prompts/{prompt_id}/run"' in page
    assert '<option value="openai/gpt-4o-mini" data-has-key="false" selected>' in page
    assert '<script type="application/json" id="run-data">' in page
    assert "No runs yet" in text_of(page)


async def test_deleting_a_prompt(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)
    response = await ada_browser.post(f"/prompts/{prompt_id}/delete", {})
    assert response.headers["location"] == "/prompts?done=prompt-deleted"
    assert (await ada_browser.get(f"/prompts/{prompt_id}")).status_code == 404
    again = await ada_browser.post(f"/prompts/{prompt_id}/delete", {})  # nothing to delete
    assert again.status_code == 404
    assert "deleted" not in again.headers.get("location", "")


async def test_deleting_another_users_prompt_is_a_404_and_deletes_nothing(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser, title="Ada's")
    response = await bob_browser.post(f"/prompts/{prompt_id}/delete", {})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert (await ada_browser.get(f"/prompts/{prompt_id}")).status_code == 200


async def test_another_users_prompt_is_a_styled_404_everywhere(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser, title="Ada's")
    for path in (
        f"/prompts/{prompt_id}",
        f"/prompts/{prompt_id}/edit",
        f"/prompts/{prompt_id}/versions",
        f"/prompts/{prompt_id}/history",
        f"/compare?prompt={prompt_id}",
    ):
        response = await bob_browser.get(path)
        assert response.status_code == 404, path
        assert 'data-testid="error-page"' in response.text
        assert "Ada" not in response.text
    edit = await bob_browser.post(f"/prompts/{prompt_id}/edit", {"title": "x", "content": "y"})
    assert edit.status_code == 404
    await bob_browser.post(f"/prompts/{prompt_id}/delete", {})
    assert (await ada_browser.get(f"/prompts/{prompt_id}")).status_code == 200


async def test_a_form_without_the_csrf_token_is_refused_with_a_page(
    ada_browser: Browser,
) -> None:
    response = await ada_browser.client.post("/prompts/new", data={"title": "x", "content": "y"})
    assert response.status_code == 403
    assert "reload" in text_of(response.text).lower()
    assert (await ada_browser.client.get("/api/v1/prompts")).json()["items"] == []


async def test_an_over_long_or_odd_value_is_refused_not_a_500(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    token = hidden(page.text, "form_token")
    for data in (
        {"title": "x" * 1000, "content": "y"},
        {"title": "t", "content": "nul \x00 byte"},
        {"title": "t", "content": "c", "categoryId": "9" * 40},
        {"title": "t", "content": "c", "parameters.maxTokens": "1e400"},
        {"title": "t", "content": "c", "parameters.temperature": "nan"},
        {"title": "t", "content": "c", "parameters.stop": "\n".join("s" * 9)},
    ):
        response = await ada_browser.post("/prompts/new", {"form_token": token, **data})
        assert response.status_code == 422, data
        assert 'class="field-error"' in response.text
