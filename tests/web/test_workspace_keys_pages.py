"""Workspace settings, Keys: admins set, replace and remove a team's keys seeing only hints;
other members get the 403 page, strangers the 404 page, and nothing changes."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Browser, team_of, text_of

KEY = "sk-proj-TeamPageKey0123456789wxyz"
OTHER = "sk-proj-TeamPageKey9876543210abcd"


async def test_an_owner_sets_replaces_and_removes_a_key_seeing_only_its_hint(
    ada_browser: Browser,
) -> None:
    team = await team_of(ada_browser, {})
    url = f"/workspaces/{team}/settings/keys"
    page = await ada_browser.get(url)
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert f'href="{url}" data-testid="ws-tab" aria-current="page">Keys<' in page.text
    assert 'for="f-key-openai"' in page.text and 'id="f-key-openai"' in page.text

    saved = await ada_browser.post(f"{url}/openai", {"key": KEY})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{url}?done=key-saved"
    page = await ada_browser.get(saved.headers["location"])
    assert "sk-proj-…wxyz" in page.text
    assert KEY not in page.text and KEY[8:] not in page.text
    assert "Replace the key" in page.text

    replaced = await ada_browser.post(f"{url}/openai", {"key": OTHER})
    assert replaced.status_code == 303
    assert "sk-proj-…abcd" in (await ada_browser.get(url)).text

    removed = await ada_browser.post(f"{url}/openai/delete", {})
    assert removed.headers["location"] == f"{url}?done=key-removed"
    listed = (await ada_browser.client.get(f"/api/v1/workspaces/{team}/keys")).json()
    assert listed[0]["configured"] is False


async def test_a_bad_key_is_shown_next_to_its_field_and_never_repeated(
    ada_browser: Browser,
) -> None:
    team = await team_of(ada_browser, {})
    url = f"/workspaces/{team}/settings/keys"
    await ada_browser.get(url)
    response = await ada_browser.post(f"{url}/anthropic", {"key": "sk-ant two words"})
    assert response.status_code == 422
    message = re.search(r'id="f-key-anthropic-error" data-error-for="key" >([^<]+)<', response.text)
    assert message and "printable ASCII" in message.group(1)
    assert "two words" not in response.text
    assert (await ada_browser.post(f"{url}/nope", {"key": KEY})).status_code == 404


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_members_without_the_right_get_the_403_page_and_change_nothing(
    role: str, ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser, {"bob": role})
    url = f"/workspaces/{team}/settings/keys"
    await ada_browser.get(url)
    await ada_browser.post(f"{url}/openai", {"key": KEY})

    page = await bob_browser.get(url)
    assert page.status_code == 403
    assert "admin role" in text_of(page.text)
    assert "sk-proj-…" not in page.text
    assert 'data-testid="key-form"' not in page.text
    await bob_browser.get("/settings/keys")  # a CSRF token for the posts
    assert (await bob_browser.post(f"{url}/openai", {"key": OTHER})).status_code == 403
    assert (await bob_browser.post(f"{url}/openai/delete", {})).status_code == 403
    assert "sk-proj-…wxyz" in (await ada_browser.get(url)).text


async def test_a_stranger_gets_the_404_page(ada_browser: Browser, bob_browser: Browser) -> None:
    team = await team_of(ada_browser, {})
    url = f"/workspaces/{team}/settings/keys"
    assert (await bob_browser.get(url)).status_code == 404
    await bob_browser.get("/settings/keys")
    assert (await bob_browser.post(f"{url}/openai", {"key": OTHER})).status_code == 404


async def test_a_personal_workspace_points_to_the_users_own_keys(ada_browser: Browser) -> None:
    personal = (await ada_browser.client.get("/api/v1/workspaces")).json()[0]["id"]
    page = await ada_browser.get(f"/workspaces/{personal}/settings/keys")
    assert page.status_code == 200
    assert 'href="/settings/keys"' in page.text
    assert 'data-testid="key-form"' not in page.text
