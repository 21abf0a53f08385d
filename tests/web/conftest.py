"""Page tests: a browser-like client (HTML accepted, no API headers) on the app.

They run on SQLite, as the browser tests do: a page reaches its data through the same
services as the API (the import-linter contract keeps it so), and the API and service
tests run each of those on both databases. A page whose result the database itself
shapes (search: FTS5 or tsvector) asks for both (`database_url` in its module).
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.conftest import fresh_database
from tests.providers.helpers import config_for
from tests.support.auth import DEFAULT_PASSWORD
from tests.support.runs import add_key


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty SQLite database."""
    return fresh_database(request, tmp_path)


BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def hidden(page: str, name: str) -> str:
    """The value of the page's (first) hidden field `name`."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def csrf_of(page: str) -> str:
    """The session's CSRF token, from the page's <meta name="csrf-token">."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def field_error(page: str, name: str) -> str | None:
    """The error message shown next to the field `name` (None when hidden)."""
    match = re.search(
        rf'<p class="field-error" id="[^"]+" data-error-for="{re.escape(name)}"'
        r" ?(hidden)?>([^<]*)</p>",
        page,
    )
    assert match, f"no error slot for {name}"
    return None if match.group(1) else html.unescape(match.group(2))


def text_of(page: str) -> str:
    """The page's text, tags removed and whitespace collapsed (for `in` checks)."""
    body = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", page, flags=re.S)
    return " ".join(html.unescape(body).split())


class Browser:
    """An httpx client that behaves like a person with a browser: forms and redirects."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET a page (remembering its CSRF token for the next form)."""
        response = await self.client.get(path, **kwargs)
        if 'name="csrf-token"' in response.text:
            self.csrf = csrf_of(response.text)
        return response

    async def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        """Post a form with the session's CSRF token in its hidden field, as a page does."""
        return await self.client.post(path, data={"csrf_token": self.csrf, **data}, **kwargs)

    async def sign_up(self, username: str, password: str = DEFAULT_PASSWORD) -> httpx.Response:
        """Create an account through the register page (signed in afterwards)."""
        form = await self.get("/register")
        response = await self.client.post(
            "/register",
            data={
                "csrf_token": hidden(form.text, "csrf_token"),
                "username": username,
                "password": password,
            },
        )
        assert response.status_code == 303, response.text
        await self.get("/prompts")
        return response

    async def sign_in(
        self, username: str, password: str = DEFAULT_PASSWORD, next_path: str = ""
    ) -> httpx.Response:
        """Sign in through the sign-in page."""
        form = await self.get(f"/login?next={next_path}" if next_path else "/login")
        response = await self.client.post(
            "/login",
            data={
                "csrf_token": hidden(form.text, "csrf_token"),
                "username": username,
                "password": password,
                "next": next_path,
            },
        )
        if response.status_code == 303:
            await self.get("/prompts")
        return response


async def _browser(app: FastAPI) -> AsyncIterator[Browser]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=BROWSER_HEADERS
    ) as client:
        yield Browser(client)


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[Browser]:
    """A signed-out browser."""
    async for browser in _browser(app):
        yield browser


@pytest.fixture
async def ada_browser(browser: Browser) -> Browser:
    """A browser signed in as a new user, ada, through the register page."""
    await browser.sign_up("ada")
    return browser


@pytest.fixture
async def bob_browser(app: FastAPI) -> AsyncIterator[Browser]:
    """Another browser, signed in as bob."""
    async for browser in _browser(app):
        await browser.sign_up("bob")
        yield browser


async def create_prompt(browser: Browser, **fields: str) -> int:
    """A prompt made through the editor; its id."""
    page = await browser.get("/prompts/new")
    data = {
        "title": "Haiku",
        "content": "Write a haiku about {{topic}} in {{language}}.",
        "model": "openai/gpt-4o-mini",
        "form_token": hidden(page.text, "form_token"),
        **fields,
    }
    response = await browser.post("/prompts/new", data)
    assert response.status_code == 303, response.text
    match = re.match(r"/prompts/(\d+)\?done=created$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def team_of(ada: Browser, members: dict[str, str]) -> int:
    """A team workspace "Crew" of ada's (through the API), with `members` at their roles."""
    headers = {"X-CSRF-Token": ada.csrf}
    team = (
        await ada.client.post("/api/v1/workspaces", json={"name": "Crew"}, headers=headers)
    ).json()["id"]
    for username, role in members.items():
        added = await ada.client.post(
            f"/api/v1/workspaces/{team}/members",
            json={"username": username, "role": role},
            headers=headers,
        )
        assert added.status_code == 201
    return int(team)


@pytest.fixture
async def runner(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> AsyncIterator[httpx.AsyncClient]:
    """ada, with OpenAI and Anthropic keys, on an app whose providers are the fake (the
    evaluation pages' tests run their cells on it)."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    for provider in ("openai", "anthropic"):
        await add_key(ada, provider)
    yield ada
    await app.state.providers.aclose()
