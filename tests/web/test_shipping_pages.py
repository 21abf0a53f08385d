"""The shipping page: promote, roll back, label history, change requests, use in code, the
rename warning; the library's folders and label badges."""

from __future__ import annotations

import httpx

from tests.web.conftest import Browser, create_prompt, text_of


async def api(browser: Browser, method: str, path: str, body: object = None) -> httpx.Response:
    return await browser.client.request(
        method, path, json=body, headers={"X-CSRF-Token": browser.csrf}
    )


async def two_versions(browser: Browser) -> int:
    prompt_id = await create_prompt(browser)
    await api(browser, "PATCH", f"/api/v1/prompts/{prompt_id}", {"content": "v2 {{topic}}"})
    return prompt_id


async def test_promote_then_roll_back_from_the_page(ada_browser: Browser) -> None:
    prompt_id = await two_versions(ada_browser)
    page = await ada_browser.get(f"/prompts/{prompt_id}/labels")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Use in code" in words and "prompt:haiku" in words and "by-name/haiku" in words
    moved = await ada_browser.post(
        f"/prompts/{prompt_id}/labels/move", {"label": "production", "version": "2", "note": ""}
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/prompts/{prompt_id}/labels?done=label-moved"
    await ada_browser.post(
        f"/prompts/{prompt_id}/labels/move", {"label": "production", "version": "1", "note": "bad"}
    )
    page = await ada_browser.get(f"/prompts/{prompt_id}/labels")
    assert "production → v1" in text_of(page.text)
    assert "Roll back to v2" in page.text
    back = await ada_browser.post(
        f"/prompts/{prompt_id}/labels/move", {"label": "production", "version": "2"}
    )
    assert back.status_code == 303
    prompt_page = await ada_browser.get(f"/prompts/{prompt_id}")
    assert "production → v2" in text_of(prompt_page.text)
    library = await ada_browser.get("/prompts")
    assert "production → v2" in text_of(library.text)
    refused = await ada_browser.post(
        f"/prompts/{prompt_id}/labels/move", {"label": "latest", "version": "1"}
    )
    assert refused.status_code == 422
    assert "can't be moved" in text_of(refused.text)


async def test_an_editor_asks_and_an_admin_approves_from_the_page(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = (await api(ada_browser, "POST", "/api/v1/workspaces", {"name": "Team"})).json()
    await api(
        ada_browser,
        "POST",
        f"/api/v1/workspaces/{team['id']}/members",
        {"username": "bob", "role": "editor"},
    )
    created = await api(
        ada_browser,
        "POST",
        "/api/v1/prompts",
        {"title": "T", "content": "c", "workspaceId": team["id"]},
    )
    prompt_id = created.json()["id"]
    page = await bob_browser.get(f"/prompts/{prompt_id}/labels")
    assert "Ask an admin to move it" in page.text
    refused = await bob_browser.post(
        f"/prompts/{prompt_id}/labels/move", {"label": "production", "version": "1"}
    )
    assert refused.status_code == 403
    assert "change-requests" in text_of(refused.text)
    asked = await bob_browser.post(
        f"/prompts/{prompt_id}/change-requests",
        {"label": "production", "version": "1", "note": "ship"},
    )
    assert asked.status_code == 303
    admin_page = await ada_browser.get(f"/prompts/{prompt_id}/labels")
    assert 'data-testid="approve"' in admin_page.text
    [request] = (
        await api(ada_browser, "GET", f"/api/v1/prompts/{prompt_id}/change-requests")
    ).json()
    approved = await ada_browser.post(f"/change-requests/{request['id']}/approve", {})
    assert approved.status_code == 303
    labels = (await api(ada_browser, "GET", f"/api/v1/prompts/{prompt_id}/labels")).json()
    assert {"label": "production", "version": 1} in [
        {"label": row["label"], "version": row["version"]} for row in labels
    ]
    assert "approved" in text_of((await bob_browser.get(f"/prompts/{prompt_id}/labels")).text)


async def test_renaming_a_fetched_prompt_asks_to_confirm(ada_browser: Browser) -> None:
    prompt_id = await create_prompt(ada_browser)
    renamed = await ada_browser.post(f"/prompts/{prompt_id}/rename", {"name": "poems/haiku"})
    assert renamed.status_code == 303
    library = await ada_browser.get("/prompts")
    assert 'data-testid="folders"' in library.text and "poems/" in library.text
    await api(ada_browser, "GET", "/api/v1/prompts/by-name/poems/haiku?label=latest")
    page = await ada_browser.get(f"/prompts/{prompt_id}/labels")
    for _ in range(20):
        if 'data-testid="rename-warning"' in page.text:
            break
        page = await ada_browser.get(f"/prompts/{prompt_id}/labels")
    assert 'data-testid="rename-warning"' in page.text
    unconfirmed = await ada_browser.post(f"/prompts/{prompt_id}/rename", {"name": "poems/other"})
    assert unconfirmed.status_code == 422
    confirmed = await ada_browser.post(
        f"/prompts/{prompt_id}/rename", {"name": "poems/other", "confirm": "yes"}
    )
    assert confirmed.status_code == 303
