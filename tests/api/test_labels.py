"""Labels: promote, roll back, history, restore; protected labels and change requests by
role; tokens follow their user's rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_workspaces import team_with
from tests.conftest import ClientFactory
from tests.support.auth import create_token, register

PROMPTS = "/api/v1/prompts"


async def prompt_with_versions(
    client: httpx.AsyncClient, n: int = 3, **extra: Any
) -> dict[str, Any]:
    created = await client.post(PROMPTS, json={"title": "Triage", "content": "v1", **extra})
    assert created.status_code == 201, created.text
    prompt: dict[str, Any] = created.json()
    for i in range(2, n + 1):
        changed = await client.patch(
            f"{PROMPTS}/{prompt['id']}", json={"content": f"v{i}", "message": f"made v{i}"}
        )
        assert changed.status_code == 200, changed.text
    return prompt


async def test_promote_roll_back_and_the_history_says_who_when_from_to_and_why(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await prompt_with_versions(ada)
    url = f"{PROMPTS}/{prompt['id']}/labels"
    assert (await ada.get(url)).json() == [
        {"label": "latest", "version": 3, "protected": False, "updatedAt": None, "updatedBy": None}
    ]
    promoted = await ada.put(f"{url}/production", json={"version": 3, "note": "ship it"})
    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["label"], promoted.json()["version"]) == ("production", 3)
    back = await ada.put(f"{url}/production", json={"version": 2, "note": "v3 is rude"})
    assert back.status_code == 200
    await ada.put(f"{url}/staging", json={"version": 3})
    listed = {row["label"]: row["version"] for row in (await ada.get(url)).json()}
    assert listed == {"latest": 3, "production": 2, "staging": 3}
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).json()["labels"] == {
        "production": 2,
        "staging": 3,
    }
    history = (await ada.get(f"{url}/production/history")).json()
    assert [(h["fromVersion"], h["toVersion"], h["note"]) for h in history] == [
        (3, 2, "v3 is rude"),
        (None, 3, "ship it"),
    ]
    me = (await ada.get("/api/v1/me")).json()["id"]
    assert {h["actorId"] for h in history} == {me}
    assert all(h["occurredAt"] for h in history)
    # Removing a label is a move to nowhere.
    assert (await ada.delete(f"{url}/staging")).status_code == 204
    assert (await ada.delete(f"{url}/staging")).status_code == 404
    assert (await ada.get(f"{url}/staging/history")).json()[0]["toVersion"] is None


@pytest.mark.parametrize(
    ("label", "body", "field"),
    [
        ("latest", {"version": 1}, "label"),
        ("Production", {"version": 1}, "label"),
        ("a" * 41, {"version": 1}, "label"),
        ("has space", {"version": 1}, "label"),
        ("staging", {"version": 9}, "version"),
        ("staging", {"version": 0}, "version"),
    ],
)
async def test_bad_labels_and_versions_are_refused_by_name(
    ada: httpx.AsyncClient, label: str, body: dict[str, Any], field: str
) -> None:
    prompt = await prompt_with_versions(ada, 1)
    response = await ada.put(f"{PROMPTS}/{prompt['id']}/labels/{label}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_version_carries_its_message_and_an_old_one_can_be_restored(
    ada: httpx.AsyncClient,
) -> None:
    prompt = await prompt_with_versions(ada)
    restored = await ada.post(f"{PROMPTS}/{prompt['id']}/versions/1/restore", json={})
    assert restored.status_code == 201, restored.text
    assert (restored.json()["version"], restored.json()["content"]) == (4, "v1")
    assert restored.json()["message"] == "Restored version 1"
    versions = (await ada.get(f"{PROMPTS}/{prompt['id']}/versions")).json()
    assert [v["message"] for v in versions] == ["Restored version 1", "made v3", "made v2", None]
    assert (await ada.get(f"{PROMPTS}/{prompt['id']}")).json()["content"] == "v1"
    missing = await ada.post(f"{PROMPTS}/{prompt['id']}/versions/9/restore")
    assert missing.status_code == 404


async def test_an_editor_cannot_move_a_protected_label_but_asks_and_an_admin_decides(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient, new_client: ClientFactory
) -> None:
    carol = await new_client()
    await register(carol, "carol")
    team = await team_with(ada, {"bob": "editor", "carol": "viewer"})
    prompt = await prompt_with_versions(ada, 3, workspaceId=team["id"])
    url = f"{PROMPTS}/{prompt['id']}"
    assert (await ada.put(f"{url}/labels/production", json={"version": 1})).status_code == 200

    # The editor moves an unprotected label, not a protected one.
    assert (await bob.put(f"{url}/labels/staging", json={"version": 3})).status_code == 200
    refused = await bob.put(f"{url}/labels/production", json={"version": 3})
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/problems/protected-label")
    assert f"/api/v1/prompts/{prompt['id']}/change-requests" in refused.json()["detail"]
    # …nor with a token.
    token = await create_token(bob)
    with_token = await bob.put(
        f"{url}/labels/production",
        json={"version": 3},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert with_token.status_code == 403
    # A viewer moves nothing and asks nothing.
    assert (await carol.put(f"{url}/labels/staging", json={"version": 1})).status_code == 403
    asked_by_viewer = await carol.post(
        f"{url}/change-requests", json={"label": "production", "version": 3}
    )
    assert asked_by_viewer.status_code == 403

    asked = await bob.post(
        f"{url}/change-requests", json={"label": "production", "version": 3, "note": "fixes tone"}
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["baseVersion"], request["version"]) == ("pending", 1, 3)
    assert [r["id"] for r in (await ada.get(f"{url}/change-requests?status=pending")).json()] == [
        request["id"]
    ]
    # The editor can't approve their own request; the admin (owner) can.
    assert (await bob.post(f"/api/v1/change-requests/{request['id']}/approve")).status_code == 403
    approved = await ada.post(f"/api/v1/change-requests/{request['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    labels = {row["label"]: row for row in (await ada.get(f"{url}/labels")).json()}
    assert labels["production"]["version"] == 3
    assert labels["production"]["protected"] is True
    history = (await ada.get(f"{url}/labels/production/history")).json()
    assert history[0]["changeRequestId"] == request["id"]
    again = await ada.post(f"/api/v1/change-requests/{request['id']}/approve")
    assert again.status_code == 409

    second = (
        await bob.post(f"{url}/change-requests", json={"label": "production", "version": 2})
    ).json()
    rejected = await ada.post(
        f"/api/v1/change-requests/{second['id']}/reject", json={"reason": "not yet"}
    )
    assert (rejected.json()["status"], rejected.json()["reason"]) == ("rejected", "not yet")
    assert labels["production"]["version"] == 3
    # Someone outside the workspace sees none of it.
    dave = await new_client()
    await register(dave, "dave")
    assert (await dave.get(f"{url}/labels")).status_code == 404
    assert (
        await dave.post(f"/api/v1/change-requests/{second['id']}/reject", json={"reason": "x"})
    ).status_code == 404


async def test_admins_choose_the_protected_labels(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = await team_with(ada, {"bob": "editor"})
    ws = f"/api/v1/workspaces/{team['id']}"
    assert (await ada.get(ws)).json()["protectedLabels"] == ["production"]
    refused = await bob.patch(ws, json={"protectedLabels": []})
    assert refused.status_code == 403
    changed = await ada.patch(ws, json={"protectedLabels": ["production", "staging"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["protectedLabels"] == ["production", "staging"]
    bad = await ada.patch(ws, json={"protectedLabels": ["Prod!"]})
    assert bad.status_code == 422
    prompt = await prompt_with_versions(ada, 2, workspaceId=team["id"])
    moved = await bob.put(f"{PROMPTS}/{prompt['id']}/labels/staging", json={"version": 2})
    assert moved.status_code == 403
    # Renaming still works alone.
    renamed = await ada.patch(ws, json={"name": "Renamed"})
    assert (renamed.json()["name"], renamed.json()["protectedLabels"]) == (
        "Renamed",
        ["production", "staging"],
    )
