"""The library: rows, search, category filter, "load more", and the empty state."""

from __future__ import annotations

import re

from tests.web.conftest import Browser, create_prompt, hidden, text_of


def titles(page: str) -> list[str]:
    return re.findall(r'<a class="prompt-title" href="/prompts/\d+">([^<]+)</a>', page)


async def test_the_empty_library_says_what_to_do_first(ada_browser: Browser) -> None:
    page = (await ada_browser.get("/prompts")).text
    words = text_of(page)
    assert "Your library is empty" in words
    assert "Add an API key" in words
    assert 'href="/prompts/new"' in page and 'href="/settings/keys"' in page


async def test_rows_show_title_category_model_and_last_update(ada_browser: Browser) -> None:
    form = await ada_browser.get("/categories")
    await ada_browser.post(
        "/categories", {"name": "Poems", "form_token": hidden(form.text, "form_token")}
    )
    await create_prompt(ada_browser, title="Haiku", categoryId="1")
    page = (await ada_browser.get("/prompts")).text
    row = text_of(page.split('data-testid="prompt-row"')[1])
    assert "Haiku" in row and "Poems" in row and "GPT-4o mini" in row and "Updated" in row
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', page)


async def test_search_and_category_filter(ada_browser: Browser) -> None:
    form = await ada_browser.get("/categories")
    await ada_browser.post(
        "/categories", {"name": "Work", "form_token": hidden(form.text, "form_token")}
    )
    await create_prompt(ada_browser, title="Weekly report", categoryId="1")
    await create_prompt(ada_browser, title="Birthday poem", content="A poem for {{name}}")
    assert titles((await ada_browser.get("/prompts?q=poem")).text) == ["Birthday poem"]
    assert titles((await ada_browser.get("/prompts?q=REPORT")).text) == ["Weekly report"]
    assert titles((await ada_browser.get("/prompts?category=1")).text) == ["Weekly report"]
    nothing = (await ada_browser.get("/prompts?q=zebra")).text
    assert "No prompts match" in text_of(nothing)
    assert 'value="zebra"' in nothing


async def test_a_malformed_filter_is_not_an_error_page(ada_browser: Browser) -> None:
    assert (await ada_browser.get("/prompts?category=abc")).status_code == 200
    assert (await ada_browser.get("/prompts?category=99999999999999999999")).status_code == 200
    response = await ada_browser.get("/prompts?q=" + "x" * 300)
    assert response.status_code == 422
    assert "at most 200 characters" in text_of(response.text)
    response = await ada_browser.get("/prompts?cursor=garbage")
    assert response.status_code == 422
    assert "Start from the top" in text_of(response.text)


async def test_load_more_pages_through_everything_once(ada_browser: Browser) -> None:
    for number in range(23):
        await create_prompt(ada_browser, title=f"Prompt {number:02}")
    first = (await ada_browser.get("/prompts")).text
    seen = titles(first)
    assert len(seen) == 20
    fragment_url = re.search(r'data-fragment-url="([^"]+)"', first)
    page_url = re.search(r'href="(/prompts\?cursor=[^"]+)"', first)
    assert fragment_url and page_url
    more = await ada_browser.get(fragment_url.group(1).replace("&amp;", "&"))
    assert more.status_code == 200
    assert "<html" not in more.text  # a fragment for the script to append
    assert "<template data-rows>" in more.text
    seen += titles(more.text)
    assert "data-load-more" not in more.text  # the last page
    assert sorted(seen) == [f"Prompt {n:02}" for n in range(23)]
    # Without the script, the link opens the next page as a page.
    next_page = await ada_browser.get(page_url.group(1).replace("&amp;", "&"))
    assert titles(next_page.text) == titles(more.text)


async def test_nobody_sees_anyone_elses_prompts(ada_browser: Browser, bob_browser: Browser) -> None:
    await create_prompt(ada_browser, title="Ada's secret")
    assert "Ada's secret" not in (await bob_browser.get("/prompts")).text
    assert "Ada&#39;s secret" not in (await bob_browser.get("/prompts?q=secret")).text
