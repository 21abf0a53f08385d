"""A workspace's audit log: its admins and owners read its events (paged, filtered by action
and time); editors and viewers are refused, non-members get 404; nothing of another
workspace or of anyone's account shows."""

from __future__ import annotations

import httpx

WORKSPACES = "/api/v1/workspaces"


async def test_admins_read_their_workspaces_events_only(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    other = (await ada.post(WORKSPACES, json={"name": "Other"})).json()["id"]
    await ada.post(f"{WORKSPACES}/{team}/members", json={"username": "bob", "role": "admin"})
    await ada.post(f"{WORKSPACES}/{other}/invitations", json={"role": "viewer"})
    for _ in range(3):
        await bob.post(f"{WORKSPACES}/{team}/invitations", json={"role": "viewer"})

    first = await bob.get(f"{WORKSPACES}/{team}/audit", params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    rest = (
        await bob.get(f"{WORKSPACES}/{team}/audit", params={"cursor": page["nextCursor"]})
    ).json()
    events = page["items"] + rest["items"]

    assert [e["action"] for e in events] == [
        "workspace.invitation_created",
        "workspace.invitation_created",
        "workspace.invitation_created",
        "workspace.member_added",
        "workspace.created",
    ]
    assert {e["workspaceId"] for e in events} == {team}
    only = await bob.get(f"{WORKSPACES}/{team}/audit", params={"action": "workspace.member_added"})
    assert [e["action"] for e in only.json()["items"]] == ["workspace.member_added"]
    past = await bob.get(f"{WORKSPACES}/{team}/audit", params={"before": "2000-01-01T00:00:00Z"})
    assert past.json() == {"items": [], "nextCursor": None}
    bad = await bob.get(f"{WORKSPACES}/{team}/audit", params={"action": "no.such"})
    assert bad.status_code == 422


async def test_editors_are_refused_and_strangers_get_404(
    ada: httpx.AsyncClient, bob: httpx.AsyncClient
) -> None:
    team = (await ada.post(WORKSPACES, json={"name": "Team"})).json()["id"]
    assert (await bob.get(f"{WORKSPACES}/{team}/audit")).status_code == 404
    await ada.post(f"{WORKSPACES}/{team}/members", json={"username": "bob", "role": "editor"})
    refused = await bob.get(f"{WORKSPACES}/{team}/audit")
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/role-required"
