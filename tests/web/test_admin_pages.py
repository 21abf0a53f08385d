"""The admin pages and Activity, as a browser sees them (the form posts, the header link)."""

from __future__ import annotations

from tests.support.auth import DEFAULT_PASSWORD
from tests.web.conftest import Browser, text_of
from tests.web.test_workspace_pages import make_workspace


async def test_only_admins_see_the_admin_link_and_pages(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    assert 'data-testid="admin-link"' in (await ada_browser.get("/prompts")).text
    assert 'data-testid="admin-link"' not in (await bob_browser.get("/prompts")).text
    for path in ("/admin", "/admin/audit"):
        refused = await bob_browser.get(path)
        assert refused.status_code == 403
        assert "admin" in text_of(refused.text)
    assert (await ada_browser.get("/admin")).status_code == 200
    assert (await ada_browser.get("/admin/audit")).status_code == 200


async def test_the_admin_disables_and_promotes_from_the_page(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    page = await ada_browser.get("/admin?q=bo")
    assert 'data-username="bob"' in page.text and 'data-username="ada"' not in page.text
    bob_id = page.text.split('action="/admin/users/')[1].split('"')[0]
    done = await ada_browser.post(f"/admin/users/{bob_id}", {"change": "disable"})
    assert done.headers["location"] == "/admin?done=user-changed"
    assert (await bob_browser.get("/prompts")).status_code == 303  # to sign in
    refused = await bob_browser.sign_in("bob", DEFAULT_PASSWORD)
    assert refused.status_code == 403
    assert "disabled" in text_of(refused.text)
    await ada_browser.post(f"/admin/users/{bob_id}", {"change": "enable"})
    assert (await bob_browser.sign_in("bob")).status_code == 303
    bad = await ada_browser.post(f"/admin/users/{bob_id}", {"change": "explode"})
    assert bad.status_code == 422


async def test_the_last_admin_is_told_why_they_cannot_step_down(ada_browser: Browser) -> None:
    page = await ada_browser.get("/admin")
    ada_id = page.text.split('action="/admin/users/')[1].split('"')[0]
    refused = await ada_browser.post(f"/admin/users/{ada_id}", {"change": "demote"})
    assert refused.status_code == 409
    assert "last active instance admin" in text_of(refused.text)
    assert 'data-testid="admin-badge"' in (await ada_browser.get("/admin")).text


async def test_registration_policy_from_the_page(ada_browser: Browser, browser: Browser) -> None:
    await ada_browser.get("/admin")
    done = await ada_browser.post("/admin/settings", {"registration": "closed"})
    assert done.headers["location"] == "/admin?done=registration"
    assert "The registration policy is saved." in text_of(
        (await ada_browser.get(done.headers["location"])).text
    )
    bad = await ada_browser.post("/admin/settings", {"registration": "sometimes"})
    assert bad.status_code == 422


async def test_activity_shows_the_users_own_events(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    await bob_browser.get("/settings/tokens")
    mine = await bob_browser.get("/settings/activity")
    assert mine.status_code == 200
    assert 'data-action="auth.signed_in"' not in mine.text  # registered, never signed in
    await ada_browser.get("/admin")
    audit = await ada_browser.get("/admin/audit?action=auth.signed_in")
    assert audit.status_code == 200
    assert (await ada_browser.get("/admin/audit?action=nonsense")).status_code == 422
    await make_workspace(bob_browser, "Bob's team")
    made = await ada_browser.get("/admin/audit?action=workspace.created")
    assert '<td data-testid="event-actor">bob</td>' in made.text  # who, by name
    assert (await bob_browser.get("/settings/activity?cursor=zzz")).status_code == 422
