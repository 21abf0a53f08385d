"""Two people, one team, in real Chromium: Ada makes a team workspace, saves its OpenAI key
and makes an editor's invitation link; Bob, new here, opens it, creates his account from it
and joins; Ada writes a prompt in the team's library; Bob switches to the team, edits it (a
second version) and runs it — with no key of his own it streams on the team's key; Ada runs
it too, on the team's key although she has a key of her own; Bob is refused the keys tab
and sees no hint of the key; Ada's audit tab shows what each of them did, by name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from promptpro.testing import FakeProviderServer
from tests.browser.conftest import Watch
from tests.browser.steps import (
    add_key,
    create_prompt,
    fill_variables,
    register,
    run_output,
    settle,
    wait_for_estimate,
    wait_for_run_end,
)
from tests.browser.test_journey import PARTIAL_WHILE_RUNNING, SLOW
from tests.support.auth import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

TEAM_KEY = "sk-proj-TeamJourneyKey0123456789abcd"
ADA_KEY = "sk-proj-AdaOwnPersonalKey9876543210zz"
BOB_ANSWER = "Tea leaves drift and settle; the pot keeps its warmth through the long grey day."
ADA_ANSWER = "Morning steam rises; a shared cup passes between two pairs of careful hands."


def _tab(page: Page, name: str) -> None:
    """Follow a tab of the workspace's settings."""
    tabs = page.get_by_role("navigation", name="Workspace settings")
    tabs.get_by_role("link", name=name).click()
    expect(tabs.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")


def _switch_to(page: Page, label: str) -> None:
    """Choose a workspace in the header's switcher and switch to it."""
    switcher = page.get_by_test_id("workspace-switcher")
    switcher.get_by_label("Workspace").select_option(label=label)
    switcher.get_by_role("button", name="Switch").click()
    expect(page.get_by_test_id("in-workspace")).to_contain_text(label)


def _run(page: Page, fake: FakeProviderServer, answer: str, topic: str) -> None:
    """Run the open prompt and watch the answer stream in, then end."""
    fake.configure(text=answer, **SLOW)
    fill_variables(page, {"topic": topic})
    page.get_by_test_id("run-button").click()
    partial = page.wait_for_function(PARTIAL_WHILE_RUNNING).json_value()
    assert isinstance(partial, str) and answer.startswith(partial) and partial != answer
    wait_for_run_end(page)
    expect(run_output(page).get_by_test_id("run-markdown")).to_have_text(answer)
    assert fake.last_request.headers["authorization"] == f"Bearer {TEAM_KEY}"


def _json(page: Page, path: str) -> Any:
    answer = page.request.get(path)
    assert answer.ok, answer.text()
    return answer.json()


def test_an_owner_and_an_invited_editor_share_a_prompt_and_the_team_key(
    page: Page, browser: Browser, live_url: str, username: str, fake: FakeProviderServer
) -> None:
    ada, bob_name, team = username, f"{username}bob", f"Team {username}"

    # Ada has a key of her own, makes the team workspace and saves the team's key.
    register(page, ada)
    add_key(page, "openai", ADA_KEY)
    page.get_by_test_id("workspaces-link").click()
    form = page.get_by_test_id("new-workspace-form")
    form.get_by_label("Name", exact=True).fill(team)
    form.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The workspace is created")
    workspace = int(re.findall(r"/workspaces/(\d+)/", page.url)[0])
    _tab(page, "Keys")
    key = page.locator("[data-testid=key-item][data-provider=openai]")
    key.get_by_label("OpenAI API key for this workspace").fill(TEAM_KEY)
    key.get_by_role("button", name="Save key").click()
    expect(page.get_by_test_id("notice")).to_contain_text("The key is saved")
    expect(key.get_by_test_id("key-hint")).to_have_text("sk-proj-…abcd")
    assert TEAM_KEY not in page.content()

    # ...and an editor's invitation link.
    _tab(page, "Invitations")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Make a link").click()
    link_field = page.get_by_role("textbox", name="Invitation link")
    expect(link_field).to_have_value(re.compile(r"/invitations/ppi_"))
    link = link_field.input_value()
    link = link[link.index("/invitations/") :]

    bob_context = browser.new_context(base_url=live_url, viewport=page.viewport_size)
    try:
        bob = bob_context.new_page()
        bob_watch = Watch(bob)

        # Bob opens the link, creates his account from it and is an editor of the team.
        bob.goto(link)
        expect(bob.get_by_role("heading", level=1)).to_have_text(f"Join “{team}”")
        expect(bob.get_by_test_id("invitation-role")).to_have_text("editor")
        bob.get_by_role("link", name="Create an account and join").click()
        bob.get_by_label("Username", exact=True).fill(bob_name)
        bob.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
        bob.get_by_role("button", name="Create account").click()
        expect(bob.get_by_test_id("notice")).to_have_text("You joined the workspace.")
        members = _json(page, f"/api/v1/workspaces/{workspace}/members")
        ids = {m["username"]: m["userId"] for m in members}
        assert {m["username"]: m["role"] for m in members} == {ada: "owner", bob_name: "editor"}
        assert not any(k["configured"] for k in _json(bob, "/api/v1/keys")), "no key of his own"

        # Ada writes the prompt in the team's library.
        prompt = create_prompt(page, "Team haiku", "Write a haiku about {{topic}}.")
        page.goto("/prompts")
        expect(page.get_by_test_id("in-workspace")).to_contain_text(team)

        # Bob switches to the team, finds the prompt, edits it: version 2.
        bob.goto("/prompts")
        _switch_to(bob, team)
        bob.get_by_role("link", name="Team haiku").first.click()
        expect(bob.get_by_test_id("prompt-title")).to_have_text("Team haiku")
        settle(bob)
        wait_for_estimate(bob)
        bob.get_by_test_id("edit-prompt").click()
        bob.get_by_label("Prompt", exact=True).fill("Write a haiku about {{topic}}.\nBe gentle.")
        bob.get_by_role("button", name="Save as a new version").click()
        expect(bob).to_have_url(re.compile(rf"/prompts/{prompt}\?done=saved$"))
        expect(bob.get_by_test_id("version-item")).to_have_count(2)
        settle(bob)

        # Bob runs it: no key of his own, so the team's key pays.
        _run(bob, fake, BOB_ANSWER, "tea")

        # Ada sees Bob's version and runs it too: the team's key beats her own.
        page.goto(f"/prompts/{prompt}")
        expect(page.get_by_test_id("prompt-content")).to_contain_text("Be gentle.")
        expect(page.get_by_test_id("version-item").first).to_contain_text("Version 2")
        settle(page)
        _run(page, fake, ADA_ANSWER, "rain")

        # Both runs are recorded as on the workspace's key, each with who ran it.
        runs = _json(bob, f"/api/v1/prompts/{prompt}/responses")["items"]
        assert [(r["runBy"], r["keySource"], r["content"]) for r in runs] == [
            (ids[ada], "workspace", ADA_ANSWER),
            (ids[bob_name], "workspace", BOB_ANSWER),
        ]

        # Bob may use the key but not see it: the keys tab is a 403 page with no hint.
        bob_watch.check()
        refused = bob.goto(f"/workspaces/{workspace}/settings/keys")
        assert refused is not None and refused.status == 403
        expect(bob.get_by_role("heading", level=1)).to_be_visible()
        expect(bob.get_by_test_id("key-form")).to_have_count(0)
        expect(bob.get_by_test_id("key-hint")).to_have_count(0)
        assert "sk-proj-" not in bob.content() and "abcd" not in bob.content()
        assert bob.request.get(f"/api/v1/workspaces/{workspace}/keys").status == 403
        # Chromium notes the 403 in the console by itself: the one problem expected.
        assert all("403" in p for p in bob_watch.problems), bob_watch.problems
        bob_watch.problems.clear()
    finally:
        bob_context.close()

    # Ada's audit tab says who did what: her workspace, key and link; Bob's joining.
    page.goto(f"/workspaces/{workspace}/settings")
    _tab(page, "Audit")
    rows = page.get_by_test_id("event-row")
    who = {
        "workspace.created": ada,
        "key.set": ada,
        "workspace.invitation_created": ada,
        "workspace.invitation_used": bob_name,
    }
    for action, name in who.items():
        row = rows.and_(page.locator(f"[data-action='{action}']"))
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("event-actor")).to_have_text(name)
    used = rows.and_(page.locator("[data-action='workspace.invitation_used']"))
    expect(used).to_contain_text("Joined as editor")
    assert TEAM_KEY not in page.content()
