"""The access tokens page offers the limits: one workspace, read-only; the list says them."""

from __future__ import annotations

import re

from tests.web.conftest import Browser, hidden, text_of


async def test_a_token_made_on_the_page_can_be_limited(ada_browser: Browser) -> None:
    await ada_browser.get("/prompts")
    team = await ada_browser.client.post(
        "/api/v1/workspaces", json={"name": "Team"}, headers={"X-CSRF-Token": ada_browser.csrf}
    )
    team_id = team.json()["id"]
    page = await ada_browser.get("/settings/tokens")
    assert f'<option value="{team_id}" >Team</option>' in page.text
    assert 'name="readOnly"' in page.text

    made = await ada_browser.post(
        "/settings/tokens",
        {
            "name": "reporting",
            "workspaceId": str(team_id),
            "readOnly": "on",
            "form_token": hidden(page.text, "form_token"),
        },
    )

    assert made.status_code == 200
    secret = re.search(r'value="(pp_[^"]+)"', made.text)
    assert secret
    listed = await ada_browser.client.get("/api/v1/tokens")
    assert [(t["workspaceId"], t["readOnly"]) for t in listed.json()] == [(team_id, True)]
    words = text_of((await ada_browser.get("/settings/tokens")).text)
    assert "read-only" in words and "only Team" in words


async def test_a_workspace_that_is_not_yours_is_refused_on_the_page(ada_browser: Browser) -> None:
    page = await ada_browser.get("/settings/tokens")
    refused = await ada_browser.post(
        "/settings/tokens",
        {"name": "x", "workspaceId": "99999", "form_token": hidden(page.text, "form_token")},
    )
    assert refused.status_code == 422
    assert "No such workspace" in text_of(refused.text)
