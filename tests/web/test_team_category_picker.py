"""The category picker of a team prompt offers that workspace's categories only, and a
category of another workspace is refused (page and API alike)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Browser, field_error, text_of

WORKSPACES = "/api/v1/workspaces"


async def shared_prompt(ada: Browser, bob: Browser) -> dict[str, Any]:
    """Ada's team (bob an editor) with a category and a prompt; bob's own private category."""
    api = ada.client
    headers = {"X-CSRF-Token": ada.csrf}
    team = (await api.post(WORKSPACES, json={"name": "Team"}, headers=headers)).json()["id"]
    added = await api.post(
        f"{WORKSPACES}/{team}/members",
        json={"username": "bob", "role": "editor"},
        headers=headers,
    )
    assert added.status_code == 201
    team_category = (
        await api.post(
            "/api/v1/categories",
            json={"name": "Team folder", "workspaceId": team},
            headers=headers,
        )
    ).json()["id"]
    prompt = (
        await api.post(
            "/api/v1/prompts",
            json={"title": "Shared", "content": "c", "workspaceId": team},
            headers=headers,
        )
    ).json()["id"]
    own = (
        await bob.client.post(
            "/api/v1/categories",
            json={"name": "Bobs private folder"},
            headers={"X-CSRF-Token": bob.csrf},
        )
    ).json()["id"]
    return {"team": team, "team_category": team_category, "prompt": prompt, "own": own}


async def test_the_editor_of_a_team_prompt_lists_only_the_teams_categories(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    made = await shared_prompt(ada_browser, bob_browser)

    page = (await bob_browser.get(f"/prompts/{made['prompt']}/edit")).text

    assert f'<option value="{made["team_category"]}"' in page
    assert "Team folder" in page
    assert "Bobs private folder" not in page
    # Bob's own new prompts still offer his personal categories.
    assert "Bobs private folder" in (await bob_browser.get("/prompts/new")).text


async def test_filing_a_team_prompt_in_another_workspaces_category_is_refused(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    made = await shared_prompt(ada_browser, bob_browser)

    api = await bob_browser.client.patch(
        f"/api/v1/prompts/{made['prompt']}",
        json={"categoryId": made["own"]},
        headers={"X-CSRF-Token": bob_browser.csrf},
    )
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "categoryId"

    page = await bob_browser.post(
        f"/prompts/{made['prompt']}/edit",
        {"title": "Shared", "content": "c", "categoryId": str(made["own"]), "model": ""},
    )
    assert page.status_code == 422
    assert field_error(page.text, "categoryId") == "No such category."
    assert "Bobs private folder" not in text_of(page.text)
    prompt = (await ada_browser.client.get(f"/api/v1/prompts/{made['prompt']}")).json()
    assert prompt["categoryId"] is None

    # The team's own category is accepted.
    saved = await bob_browser.post(
        f"/prompts/{made['prompt']}/edit",
        {"title": "Shared", "content": "c", "categoryId": str(made["team_category"]), "model": ""},
    )
    assert saved.status_code == 303, saved.text
    prompt = (await ada_browser.client.get(f"/api/v1/prompts/{made['prompt']}")).json()
    assert prompt["categoryId"] == made["team_category"]


async def test_the_api_lists_a_workspaces_categories_only(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    made = await shared_prompt(ada_browser, bob_browser)
    listed = await bob_browser.client.get(
        "/api/v1/categories", params={"workspaceId": made["team"]}
    )
    assert [c["name"] for c in listed.json()] == ["Team folder"]
