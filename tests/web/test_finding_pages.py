"""The pages for finding and organising: search, tags, sorts, stars and compare groups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.conftest import fresh_database
from tests.providers.helpers import config_for
from tests.support.runs import add_key
from tests.web.conftest import Browser, create_prompt, field_error, hidden, text_of


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Search is the database's own (FTS5 on SQLite, tsvector on PostgreSQL): the pages
    that show its results are checked on both."""
    return fresh_database(request, tmp_path)


async def api_headers(browser: Browser) -> dict[str, str]:
    await browser.get("/prompts")
    return {"X-CSRF-Token": browser.csrf}


async def test_the_header_links_to_search(ada_browser: Browser) -> None:
    page = (await ada_browser.get("/prompts")).text
    assert 'href="/search"' in page


async def test_the_editor_saves_tags_and_shows_them_in_the_library(
    ada_browser: Browser,
) -> None:
    prompt_id = await create_prompt(ada_browser, tags="Work, email ,work")
    prompt = (await ada_browser.client.get(f"/api/v1/prompts/{prompt_id}")).json()
    assert prompt["tags"] == ["email", "work"]
    edit = (await ada_browser.get(f"/prompts/{prompt_id}/edit")).text
    assert 'value="email, work"' in edit
    library = (await ada_browser.get("/prompts")).text
    assert 'href="/prompts?tag=email"' in library
    assert 'data-testid="favourite-star"' in library


async def test_a_bad_tag_is_shown_next_to_its_field(ada_browser: Browser) -> None:
    page = await ada_browser.get("/prompts/new")
    response = await ada_browser.post(
        "/prompts/new",
        {
            "form_token": hidden(page.text, "form_token"),
            "title": "t",
            "content": "c",
            "tags": "x" * 41,
        },
    )
    assert response.status_code == 422
    assert "40 characters" in (field_error(response.text, "tags") or "")


async def test_the_library_filters_by_tags_sorts_and_favourites(ada_browser: Browser) -> None:
    both = await create_prompt(ada_browser, title="Both", tags="work, email")
    await create_prompt(ada_browser, title="Work", tags="work")
    await create_prompt(ada_browser, title="alpha")
    filtered = text_of((await ada_browser.get("/prompts?tag=work&tag=email")).text)
    assert "Both" in filtered and "Work" not in filtered.replace("work", "")
    titled = (await ada_browser.get("/prompts?sort=title")).text
    assert titled.index(">alpha<") < titled.index(">Both<") < titled.index(">Work<")
    assert '<option value="title" selected>' in titled
    headers = await api_headers(ada_browser)
    await ada_browser.client.put(f"/api/v1/prompts/{both}/favourite", headers=headers)
    starred = (await ada_browser.get("/prompts?favourite=true")).text
    assert ">Both<" in starred and ">alpha<" not in starred
    assert 'aria-pressed="true"' in starred


async def test_the_search_page_marks_matches_in_escaped_snippets(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    await create_prompt(ada_browser, title="Walrus", content="<b>walrus</b> & {{topic}} friends")
    page = (await ada_browser.get("/search?q=walrus")).text
    assert 'data-testid="search-hit"' in page
    assert "<mark>walrus</mark>" in page.lower()
    assert "<b>" not in page
    assert 'data-testid="search-hit"' not in (await bob_browser.get("/search?q=walrus")).text
    nothing = await ada_browser.get("/search?q=zebra")
    assert 'data-testid="search-empty"' in nothing.text
    assert (await ada_browser.get("/search?q=a&cursor=bad")).status_code == 422


@pytest.fixture
async def running_browser(
    app: FastAPI, ada_browser: Browser, fake: FakeProviderServer
) -> AsyncIterator[Browser]:
    """ada's browser, with keys, on an app whose providers are the fake server."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    await ada_browser.get("/prompts")
    ada_browser.client.headers["X-CSRF-Token"] = ada_browser.csrf
    for provider in ("openai", "anthropic"):
        await add_key(ada_browser.client, provider)
    yield ada_browser
    await app.state.providers.aclose()


async def test_a_compare_group_opens_again_and_a_winner_is_marked(
    running_browser: Browser, bob_browser: Browser
) -> None:
    browser = running_browser
    prompt_id = await create_prompt(browser)
    answers = (
        await browser.client.post(
            f"/api/v1/prompts/{prompt_id}/compare",
            json={
                "models": ["openai/gpt-4o-mini", "anthropic/claude-x"],
                "variables": {"topic": "x", "language": "en"},
            },
        )
    ).json()
    group_id = answers[0]["compareGroupId"]
    page = await browser.get(f"/compare-groups/{group_id}")
    assert page.status_code == 200
    assert page.text.count('data-testid="group-column"') == 2
    assert page.text.count('data-testid="mark-winner"') == 2
    response = await browser.post(
        f"/compare-groups/{group_id}/winner", {"response_id": str(answers[1]["id"])}
    )
    assert response.status_code == 303
    page = await browser.get(f"/compare-groups/{group_id}")
    assert 'data-testid="winner-badge"' in page.text
    assert page.text.count('data-testid="mark-winner"') == 1
    record = await browser.get(f"/prompts/{prompt_id}/responses/{answers[0]['id']}")
    assert f'href="/compare-groups/{group_id}"' in record.text
    refused = await browser.post(f"/compare-groups/{group_id}/winner", {"response_id": "x"})
    assert refused.status_code == 422
    assert (await bob_browser.get(f"/compare-groups/{group_id}")).status_code == 404
