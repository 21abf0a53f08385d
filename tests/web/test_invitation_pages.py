"""Invitation pages as a browser sees them: the workspace's invitations tab (make a link,
shown once; revoke), the landing page (who invites, to what, as what; accept, or sign in
or register and come back), and a clear page for every link that can't be used."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from fastapi import FastAPI

from promptpro.db.models import WorkspaceInvitation
from promptpro.db.session import unit_of_work
from promptpro.db.types import utcnow
from tests.web.conftest import Browser, hidden, text_of


async def team_of(browser: Browser) -> int:
    """A team workspace made through the API with the browser's session (its id)."""
    await browser.get("/prompts")
    made = await browser.client.post(
        "/api/v1/workspaces", json={"name": "Team"}, headers={"X-CSRF-Token": browser.csrf}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def make_link(browser: Browser, team: int, role: str = "editor") -> str:
    tab = await browser.get(f"/workspaces/{team}/settings/invitations")
    assert tab.status_code == 200
    made = await browser.post(
        f"/workspaces/{team}/settings/invitations",
        {"role": role, "form_token": hidden(tab.text, "form_token")},
    )
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    match = re.search(r'id="invitation-url"[^>]*value="[^"]*(/invitations/[^"]+)"', made.text)
    assert match
    return match.group(1)


async def test_an_admin_makes_a_link_the_tab_lists_it_and_revokes_it(ada_browser: Browser) -> None:
    team = await team_of(ada_browser)
    link = await make_link(ada_browser, team, "viewer")

    tab = await ada_browser.get(f"/workspaces/{team}/settings/invitations")

    assert link not in tab.text  # shown once
    assert 'data-status="pending"' in tab.text
    assert f'href="/workspaces/{team}/settings/members"' in tab.text
    invitation = tab.text.split('data-invitation-id="')[1].split('"')[0]
    done = await ada_browser.post(
        f"/workspaces/{team}/settings/invitations/{invitation}/revoke", {}
    )
    assert done.status_code == 303
    shown = await ada_browser.get(done.headers["location"])
    assert "The invitation is revoked" in text_of(shown.text)
    assert 'data-status="revoked"' in shown.text


async def test_a_viewer_can_not_open_the_invitations_tab(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser)
    await ada_browser.client.post(
        f"/api/v1/workspaces/{team}/members",
        json={"username": "bob", "role": "viewer"},
        headers={"X-CSRF-Token": ada_browser.csrf},
    )
    assert (await bob_browser.get(f"/workspaces/{team}/settings/invitations")).status_code == 403
    assert (
        await bob_browser.get(f"/workspaces/{team + 1}/settings/invitations")
    ).status_code == 404


async def test_the_landing_page_shows_the_invitation_and_accepting_makes_a_member(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser)
    link = await make_link(ada_browser, team, "editor")

    landing = await bob_browser.get(link)

    assert landing.status_code == 200
    words = text_of(landing.text)
    assert "ada invites you to the workspace Team as editor" in words
    accepted = await bob_browser.post(link + "/accept", {})
    assert accepted.status_code == 303
    assert "invitation-accepted" in accepted.headers["location"]
    members = await bob_browser.client.get(f"/api/v1/workspaces/{team}/members")
    assert {m["username"]: m["role"] for m in members.json()} == {"ada": "owner", "bob": "editor"}
    used = await bob_browser.get(link)
    assert used.status_code == 410
    assert "used already" in text_of(used.text)


async def test_accepting_without_the_csrf_token_is_refused(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser)
    link = await make_link(ada_browser, team)
    refused = await bob_browser.client.post(link + "/accept", data={})
    assert refused.status_code == 403
    members = await ada_browser.client.get(f"/api/v1/workspaces/{team}/members")
    assert [m["username"] for m in members.json()] == ["ada"]


async def test_a_signed_out_visitor_is_offered_sign_in_and_register_that_come_back(
    ada_browser: Browser,
) -> None:
    team = await team_of(ada_browser)
    link = await make_link(ada_browser, team)
    await ada_browser.post("/logout", {})

    landing = await ada_browser.get(link)

    assert landing.status_code == 200
    assert 'data-testid="invitation-sign-in"' in landing.text
    assert "/login?next=%2Finvitations%2F" in landing.text
    assert 'data-testid="invitation-register"' in landing.text


async def test_registering_from_an_invitation_joins_even_when_registration_is_invite_only(
    app: FastAPI, ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser)
    await ada_browser.get("/admin")
    await ada_browser.post("/admin/settings", {"registration": "invite"})
    link = await make_link(ada_browser, team, "viewer")
    token = link.rsplit("/", 1)[1]
    await bob_browser.post("/logout", {})
    closed = await bob_browser.get("/register")
    assert closed.status_code == 403

    form = await bob_browser.get(f"/register?invitation={token}")
    assert form.status_code == 200
    assert hidden(form.text, "invitation") == token
    made = await bob_browser.client.post(
        "/register",
        data={
            "csrf_token": hidden(form.text, "csrf_token"),
            "username": "dora",
            "password": "a long enough password",
            "invitation": token,
        },
    )

    assert made.status_code == 303, made.text
    members = await ada_browser.client.get(f"/api/v1/workspaces/{team}/members")
    assert {m["username"]: m["role"] for m in members.json()}["dora"] == "viewer"


async def test_every_unusable_link_is_a_clear_page_and_never_a_membership(
    app: FastAPI, ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await team_of(ada_browser)
    expired = await make_link(ada_browser, team)
    async with unit_of_work(app.state.session_factory) as session:
        await session.execute(
            sa.update(WorkspaceInvitation).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    fresh = await make_link(ada_browser, team)
    tampered = fresh[:-3] + ("xyz" if not fresh.endswith("xyz") else "abc")

    for link, status, words in (
        (expired, 410, "This invitation has expired"),
        (tampered, 404, "This invitation link is not valid"),
        ("/invitations/nonsense", 404, "This invitation link is not valid"),
    ):
        page = await bob_browser.get(link)
        assert page.status_code == status
        assert words in text_of(page.text)
        assert "Nobody was added" in text_of(page.text)
        refused = await bob_browser.post(link + "/accept", {})
        assert refused.status_code == status
    members = await ada_browser.client.get(f"/api/v1/workspaces/{team}/members")
    assert [m["username"] for m in members.json()] == ["ada"]
