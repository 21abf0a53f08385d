"""Test sets in the pages: the list, create (once; a taken name next to its field), a set's
page, delete, and "Add to test set" from a response."""

from __future__ import annotations

import re

from fastapi import FastAPI

from promptpro.db.session import unit_of_work
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage import Storage
from tests.web.conftest import Browser, create_prompt, field_error, hidden, text_of


async def add_test_set(browser: Browser, name: str) -> int:
    page = await browser.get("/test-sets")
    response = await browser.post(
        "/test-sets", {"name": name, "form_token": hidden(page.text, "form_token")}
    )
    assert response.status_code == 303, response.text
    match = re.match(r"/test-sets/(\d+)\?done=test-set-created$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def test_a_set_is_created_listed_shown_and_deleted(ada_browser: Browser) -> None:
    empty = await ada_browser.get("/test-sets")
    assert "No test sets yet" in text_of(empty.text)
    set_id = await add_test_set(ada_browser, "Capitals")
    await ada_browser.client.post(
        f"/api/v1/test-sets/{set_id}/rows",
        json={"variables": {"country": "<b>France</b>"}, "expected": "Paris"},
        headers={"X-CSRF-Token": ada_browser.csrf},
    )
    listed = await ada_browser.get("/test-sets")
    assert "Capitals" in listed.text and "1 row" in text_of(listed.text)

    shown = await ada_browser.get(f"/test-sets/{set_id}?done=test-set-created")
    assert shown.status_code == 200
    words = text_of(shown.text)
    assert "The test set is created" in words
    assert 'value="&lt;b&gt;France&lt;/b&gt;"' in shown.text  # escaped, never markup
    assert 'aria-label="country, row 1"' in shown.text
    assert shown.text.count("<h1") == 1

    deleted = await ada_browser.post(f"/test-sets/{set_id}/delete", {})
    assert deleted.headers["location"] == "/test-sets?done=test-set-deleted"
    assert (await ada_browser.get(f"/test-sets/{set_id}")).status_code == 404


async def test_a_taken_name_is_refused_next_to_the_field(ada_browser: Browser) -> None:
    await add_test_set(ada_browser, "Capitals")
    page = await ada_browser.get("/test-sets")
    response = await ada_browser.post(
        "/test-sets", {"name": "capitals", "form_token": hidden(page.text, "form_token")}
    )
    assert response.status_code == 409
    assert field_error(response.text, "name")
    assert 'value="capitals"' in response.text


async def test_another_users_set_is_not_found(ada_browser: Browser, bob_browser: Browser) -> None:
    set_id = await add_test_set(ada_browser, "Private")
    assert (await bob_browser.get(f"/test-sets/{set_id}")).status_code == 404
    assert (await bob_browser.post(f"/test-sets/{set_id}/delete", {})).status_code == 404
    assert "Private" not in (await bob_browser.get("/test-sets")).text
    assert (await ada_browser.get(f"/test-sets/{set_id}")).status_code == 200


async def test_a_response_is_added_to_a_set_from_its_page(
    app: FastAPI, ada_browser: Browser
) -> None:
    prompt_id = await create_prompt(ada_browser)
    user_id = (await ada_browser.client.get("/api/v1/auth/session")).json()["user"]["id"]
    async with unit_of_work(app.state.session_factory) as session:
        stored = await Storage(session).create_response(
            user_id,
            prompt_id,
            ResponseCreate(
                model="openai/gpt-4o-mini",
                content="Green leaves.",
                variables={"topic": "tea", "language": "English"},
            ),
        )
    page_url = f"/prompts/{prompt_id}/responses/{stored.id}"
    before = await ada_browser.get(page_url)
    assert "create a test set" in text_of(before.text)

    set_id = await add_test_set(ada_browser, "Haiku cases")
    page = await ada_browser.get(page_url)
    assert "Add to test set" in page.text
    added = await ada_browser.post(f"{page_url}/add-to-test-set", {"test_set_id": str(set_id)})
    assert added.headers["location"] == f"/test-sets/{set_id}?done=row-added#rows"
    rows = (await ada_browser.client.get(f"/api/v1/test-sets/{set_id}/rows")).json()["items"]
    assert rows[0]["variables"] == {"topic": "tea", "language": "English"}
    assert rows[0]["expected"] == "Green leaves."
