"""Categories in the pages: create (once), rename, delete (prompts become uncategorised)."""

from __future__ import annotations

import asyncio
import re

from tests.web.conftest import Browser, create_prompt, field_error, hidden, text_of


async def add_category(browser: Browser, name: str) -> None:
    page = await browser.get("/categories")
    response = await browser.post(
        "/categories", {"name": name, "form_token": hidden(page.text, "form_token")}
    )
    assert response.headers["location"] == "/categories?done=category-created"


async def test_the_page_explains_what_deleting_does(ada_browser: Browser) -> None:
    await add_category(ada_browser, "Work")
    page = await ada_browser.get("/categories?done=category-created")
    words = text_of(page.text)
    assert "The category is created." in words
    assert "Its prompts are kept and become uncategorised." in words
    assert page.text.count("<h1") == 1


async def test_a_taken_name_is_refused_next_to_the_field(ada_browser: Browser) -> None:
    await add_category(ada_browser, "Work")
    page = await ada_browser.get("/categories")
    response = await ada_browser.post(
        "/categories", {"name": "WORK", "form_token": hidden(page.text, "form_token")}
    )
    assert response.status_code == 409
    assert field_error(response.text, "name")
    assert 'value="WORK"' in response.text
    empty = await ada_browser.post("/categories", {"name": "   ", "form_token": "t2"})
    assert empty.status_code == 422
    assert field_error(empty.text, "name") == "String should have at least 1 character"


async def test_a_double_submit_creates_one_category(ada_browser: Browser) -> None:
    page = await ada_browser.get("/categories")
    form = {"name": "Once", "form_token": hidden(page.text, "form_token")}
    first, second = await asyncio.gather(
        ada_browser.post("/categories", form), ada_browser.post("/categories", form)
    )
    assert first.status_code == second.status_code == 303
    listed = (await ada_browser.client.get("/api/v1/categories")).json()
    assert [category["name"] for category in listed] == ["Once"]


async def test_rename_with_an_error_keeps_that_rename_form_open(ada_browser: Browser) -> None:
    await add_category(ada_browser, "Work")
    await add_category(ada_browser, "Home")
    response = await ada_browser.post("/categories/2/rename", {"name": "work"})
    assert response.status_code == 409
    assert 'id="f-name-2"' in response.text and 'value="work"' in response.text
    assert "<details open>" in response.text
    ok = await ada_browser.post("/categories/2/rename", {"name": "House", "description": "d"})
    assert ok.headers["location"] == "/categories?done=category-renamed"
    listed = (await ada_browser.client.get("/api/v1/categories")).json()
    assert {c["name"] for c in listed} == {"Work", "House"}


async def test_deleting_a_category_keeps_its_prompts(ada_browser: Browser) -> None:
    await add_category(ada_browser, "Work")
    prompt_id = await create_prompt(ada_browser, categoryId="1")
    response = await ada_browser.post("/categories/1/delete", {})
    assert response.headers["location"] == "/categories?done=category-deleted"
    prompt = (await ada_browser.client.get(f"/api/v1/prompts/{prompt_id}")).json()
    assert prompt["categoryId"] is None
    assert "Uncategorised" in text_of((await ada_browser.get("/prompts")).text)


async def test_others_categories_can_not_be_touched(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    await add_category(ada_browser, "Ada's")
    assert (await bob_browser.post("/categories/1/rename", {"name": "x"})).status_code == 404
    deleted = await bob_browser.post("/categories/1/delete", {})
    assert deleted.status_code == 404
    assert "text/html" in deleted.headers["content-type"]
    listed = (await ada_browser.client.get("/api/v1/categories")).json()
    assert [c["name"] for c in listed] == ["Ada's"]


async def test_categories_show_how_many_prompts_they_hold(ada_browser: Browser) -> None:
    await add_category(ada_browser, "Work")
    await add_category(ada_browser, "Home")
    listed = {
        c["name"]: c["id"] for c in (await ada_browser.client.get("/api/v1/categories")).json()
    }
    await create_prompt(ada_browser, title="One", categoryId=str(listed["Work"]))
    await create_prompt(ada_browser, title="Two", categoryId=str(listed["Work"]))
    await create_prompt(ada_browser, title="Loose")

    page = await ada_browser.get("/categories")
    counts = dict(
        re.findall(
            r'>([^<]+)</a>\s*<span class="badge muted" data-testid="category-count" '
            r'data-count="(\d+)"',
            page.text,
        )
    )
    assert counts == {"Home": "0", "Work": "2"}
    assert "2 prompts" in text_of(page.text) and "0 prompts" in text_of(page.text)

    library = await ada_browser.get("/prompts")
    options = text_of(library.text)
    assert "All categories (3)" in options
    assert "Work (2)" in options and "Home (0)" in options
