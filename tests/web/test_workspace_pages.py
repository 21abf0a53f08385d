"""The workspace pages as a browser sees them: the switcher, the list, General, Members and
Audit; the library, categories, search and editor working in the current workspace; and
what each role is offered (a non-member gets 404 pages, a member without the role 403)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.web.conftest import Browser, _browser, create_prompt, hidden, text_of


async def make_workspace(browser: Browser, name: str = "Team") -> int:
    """A team workspace made through the page (the browser then works in it); its id."""
    page = await browser.get("/workspaces")
    made = await browser.post(
        "/workspaces", {"name": name, "form_token": hidden(page.text, "form_token")}
    )
    assert made.status_code == 303, made.text
    match = re.match(
        r"/workspaces/(\d+)/settings/members\?done=workspace-created$", made.headers["location"]
    )
    assert match, made.headers["location"]
    return int(match.group(1))


async def switch(browser: Browser, workspace_id: int, next_path: str = "/prompts") -> None:
    await browser.get("/prompts")
    done = await browser.post(
        "/workspaces/switch", {"workspaceId": str(workspace_id), "next": next_path}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == next_path


async def personal_id(browser: Browser) -> int:
    page = await browser.get("/workspaces")
    match = re.search(r'data-workspace-id="(\d+)"', page.text)
    assert match
    return int(match.group(1))


async def add(browser: Browser, workspace_id: int, username: str, role: str) -> int:
    await browser.get(f"/workspaces/{workspace_id}/settings/members")
    return (
        await browser.post(
            f"/workspaces/{workspace_id}/settings/members", {"username": username, "role": role}
        )
    ).status_code


async def member_id(browser: Browser, workspace_id: int, username: str) -> str:
    page = await browser.get(f"/workspaces/{workspace_id}/settings/members")
    row = page.text.split(f'data-username="{username}"')[1].split("</tr>")[0]
    match = re.search(r"/members/([^/]+)/", row)
    assert match, row
    return match.group(1)


@pytest.fixture
async def carol_browser(app: FastAPI) -> AsyncIterator[Browser]:
    """A third browser, signed in as carol."""
    async for browser in _browser(app):
        await browser.sign_up("carol")
        yield browser


async def test_someone_with_only_a_personal_workspace_sees_a_new_workspace_link(
    ada_browser: Browser,
) -> None:
    page = await ada_browser.get("/prompts")
    assert 'data-testid="workspace-switcher"' in page.text
    assert 'data-testid="workspace-select"' not in page.text
    assert "New workspace" in text_of(page.text)
    assert 'data-testid="in-workspace"' not in page.text
    listing = await ada_browser.get("/workspaces")
    assert listing.status_code == 200
    assert (
        "Personal" in text_of(listing.text) and 'data-testid="new-workspace-form"' in listing.text
    )


async def test_a_new_workspace_becomes_current_and_holds_its_own_library(
    ada_browser: Browser,
) -> None:
    mine = await personal_id(ada_browser)
    own = await create_prompt(ada_browser, title="Mine alone")
    team = await make_workspace(ada_browser, "Team")
    library = await ada_browser.get("/prompts")
    assert 'data-testid="workspace-select"' in library.text
    assert "In Team" in text_of(library.text)
    assert "Mine alone" not in text_of(library.text)
    shared = await create_prompt(ada_browser, title="Shared haiku")
    await ada_browser.post(
        "/categories",
        {"name": "Team things", "description": "", "form_token": "c1", "workspaceId": str(team)},
    )
    in_team = text_of((await ada_browser.get("/prompts")).text)
    assert "Shared haiku" in in_team and "Mine alone" not in in_team
    assert "Team things" in text_of((await ada_browser.get("/categories")).text)
    found = text_of((await ada_browser.get("/search?q=haiku")).text)
    assert "Shared haiku" in found and "Mine alone" not in found

    await switch(ada_browser, mine)
    personal = text_of((await ada_browser.get("/prompts")).text)
    assert "Mine alone" in personal and "Shared haiku" not in personal
    assert "Team things" not in text_of((await ada_browser.get("/categories")).text)
    # Ids stay global: the team's prompt still opens from anywhere.
    assert (await ada_browser.get(f"/prompts/{shared}")).status_code == 200
    assert (await ada_browser.get(f"/prompts/{own}")).status_code == 200


async def test_a_new_prompt_form_creates_where_it_was_shown(ada_browser: Browser) -> None:
    team = await make_workspace(ada_browser)
    form = await ada_browser.get("/prompts/new")
    assert hidden(form.text, "workspaceId") == str(team)
    assert "In the workspace Team" in text_of(form.text)
    await switch(ada_browser, await personal_id(ada_browser))
    made = await ada_browser.post(
        "/prompts/new",
        {
            "title": "Opened in Team",
            "content": "Hi",
            "model": "openai/gpt-4o-mini",
            "form_token": "t1",
            "workspaceId": str(team),
        },
    )
    assert made.status_code == 303
    assert "Opened in Team" not in text_of((await ada_browser.get("/prompts")).text)
    refused = await ada_browser.post(
        "/prompts/new",
        {"title": "Nowhere", "content": "Hi", "form_token": "t2", "workspaceId": "999999"},
    )
    assert refused.status_code == 422
    assert "No such workspace." in text_of(refused.text)


async def test_switching_to_a_workspace_you_are_not_in_is_not_found(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await bob_browser.get("/prompts")
    refused = await bob_browser.post(
        "/workspaces/switch", {"workspaceId": str(team), "next": "/prompts"}
    )
    assert refused.status_code == 404
    bad = await bob_browser.post("/workspaces/switch", {"workspaceId": "x", "next": "/prompts"})
    assert bad.status_code == 422
    away = await bob_browser.post(
        "/workspaces/switch",
        {"workspaceId": str(await personal_id(bob_browser)), "next": "https://evil.example"},
    )
    assert away.headers["location"] == "/prompts"


async def test_non_members_get_not_found_on_every_settings_page(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await bob_browser.get("/prompts")
    for path in ("", "/members", "/audit"):
        assert (await bob_browser.get(f"/workspaces/{team}/settings{path}")).status_code == 404
    for path, data in (
        ("/rename", {"name": "Mine"}),
        ("/delete", {"confirm": "Team"}),
        ("/members", {"username": "bob", "role": "owner"}),
    ):
        posted = await bob_browser.post(f"/workspaces/{team}/settings{path}", data)
        assert posted.status_code == 404


async def test_an_admin_adds_a_member_and_changes_their_role(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    assert await add(ada_browser, team, "bob", "editor") == 303
    members = await ada_browser.get(f"/workspaces/{team}/settings/members?done=member-added")
    assert "The member is added." in text_of(members.text)
    assert 'data-username="bob" data-role="editor"' in members.text
    bob = await member_id(ada_browser, team, "bob")
    changed = await ada_browser.post(
        f"/workspaces/{team}/settings/members/{bob}/role", {"role": "viewer"}
    )
    assert changed.headers["location"].endswith("?done=member-changed")
    page = await ada_browser.get(f"/workspaces/{team}/settings/members")
    assert 'data-username="bob" data-role="viewer"' in page.text
    # bob now sees the workspace in his switcher, and its members read-only.
    assert "Team" in text_of((await bob_browser.get("/prompts")).text)
    seen = await bob_browser.get(f"/workspaces/{team}/settings/members")
    assert seen.status_code == 200
    assert 'data-testid="add-member-form"' not in seen.text
    assert 'data-testid="role-form"' not in seen.text
    assert "You have viewer access" in text_of(seen.text)
    # Unknown users and members already in are told so, by the form.
    unknown = await ada_browser.post(
        f"/workspaces/{team}/settings/members", {"username": "nobody", "role": "viewer"}
    )
    assert unknown.status_code == 422 and "No such user." in text_of(unknown.text)
    again = await ada_browser.post(
        f"/workspaces/{team}/settings/members", {"username": "bob", "role": "viewer"}
    )
    assert again.status_code == 409 and "member already" in text_of(again.text)
    removed = await ada_browser.post(f"/workspaces/{team}/settings/members/{bob}/remove", {})
    assert removed.headers["location"].endswith("?done=member-removed")
    assert (await bob_browser.get(f"/workspaces/{team}/settings")).status_code == 404


async def test_editors_and_viewers_may_not_manage(
    ada_browser: Browser, bob_browser: Browser, carol_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await add(ada_browser, team, "bob", "editor")
    await add(ada_browser, team, "carol", "viewer")
    await bob_browser.get("/prompts")
    refused = await bob_browser.post(
        f"/workspaces/{team}/settings/members", {"username": "carol", "role": "admin"}
    )
    assert refused.status_code == 403
    assert "admin role" in text_of(refused.text)
    carol = await member_id(ada_browser, team, "carol")
    raised = await bob_browser.post(
        f"/workspaces/{team}/settings/members/{carol}/role", {"role": "editor"}
    )
    assert raised.status_code == 403
    assert (await bob_browser.get(f"/workspaces/{team}/settings/audit")).status_code == 403
    general = await bob_browser.get(f"/workspaces/{team}/settings")
    assert 'data-testid="rename-workspace-form"' not in general.text
    assert 'data-testid="delete-workspace-form"' not in general.text
    assert (
        await bob_browser.post(f"/workspaces/{team}/settings/rename", {"name": "B"})
    ).status_code == 403
    assert ">Audit<" not in general.text


async def test_the_last_owner_is_told_why_they_cannot_step_down(ada_browser: Browser) -> None:
    team = await make_workspace(ada_browser)
    ada = await member_id(ada_browser, team, "ada")
    demoted = await ada_browser.post(
        f"/workspaces/{team}/settings/members/{ada}/role", {"role": "admin"}
    )
    assert demoted.status_code == 409
    assert "keeps at least one owner" in text_of(demoted.text)
    left = await ada_browser.post(f"/workspaces/{team}/settings/members/{ada}/remove", {})
    assert left.status_code == 409
    assert "keeps at least one owner" in text_of(left.text)


async def test_a_member_leaves_and_falls_back_to_their_personal_workspace(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await add(ada_browser, team, "bob", "editor")
    await switch(bob_browser, team)
    assert "In Team" in text_of((await bob_browser.get("/prompts")).text)
    bob = await member_id(bob_browser, team, "bob")
    left = await bob_browser.post(f"/workspaces/{team}/settings/members/{bob}/remove", {})
    assert left.headers["location"] == "/workspaces?done=workspace-left"
    library = await bob_browser.get("/prompts")
    assert library.status_code == 200
    assert 'data-testid="workspace-select"' not in library.text  # only his own again


async def test_owners_rename_hand_over_and_delete_after_typing_the_name(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await add(ada_browser, team, "bob", "editor")
    renamed = await ada_browser.post(f"/workspaces/{team}/settings/rename", {"name": "Crew"})
    assert renamed.headers["location"].endswith("?done=workspace-renamed")
    blank = await ada_browser.post(f"/workspaces/{team}/settings/rename", {"name": ""})
    assert blank.status_code == 422
    wrong = await ada_browser.post(f"/workspaces/{team}/settings/delete", {"confirm": "crew"})
    assert wrong.status_code == 422
    assert "exact name" in text_of(wrong.text)
    bob = await member_id(ada_browser, team, "bob")
    nobody = await ada_browser.post(f"/workspaces/{team}/settings/transfer", {"userId": ""})
    assert nobody.status_code == 422
    handed = await ada_browser.post(f"/workspaces/{team}/settings/transfer", {"userId": bob})
    assert handed.headers["location"].endswith("?done=workspace-transferred")
    general = await ada_browser.get(f"/workspaces/{team}/settings")
    assert 'data-testid="delete-workspace-form"' not in general.text  # an admin now
    assert (
        await ada_browser.post(f"/workspaces/{team}/settings/delete", {"confirm": "Crew"})
    ).status_code == 403
    await bob_browser.get(f"/workspaces/{team}/settings")
    deleted = await bob_browser.post(f"/workspaces/{team}/settings/delete", {"confirm": "Crew"})
    assert deleted.headers["location"] == "/workspaces?done=workspace-deleted"
    # ada was working in it: her pages fall back to her personal workspace.
    library = await ada_browser.get("/prompts")
    assert library.status_code == 200 and "Crew" not in text_of(library.text)


async def test_a_personal_workspace_cannot_be_shared_or_deleted(ada_browser: Browser) -> None:
    mine = await personal_id(ada_browser)
    general = await ada_browser.get(f"/workspaces/{mine}/settings")
    assert general.status_code == 200
    assert 'data-testid="delete-workspace-form"' not in general.text
    assert "yours alone" in text_of(general.text)
    members = await ada_browser.get(f"/workspaces/{mine}/settings/members")
    assert 'data-testid="add-member-form"' not in members.text
    refused = await ada_browser.post(f"/workspaces/{mine}/settings/delete", {"confirm": "Personal"})
    assert refused.status_code == 409


async def test_the_audit_tab_lists_the_workspaces_events_filtered_and_paged(
    ada_browser: Browser,
) -> None:
    team = await make_workspace(ada_browser)
    page = await ada_browser.get(f"/workspaces/{team}/settings/audit")
    assert page.status_code == 200
    assert 'data-action="workspace.created"' in page.text
    assert ">Audit<" in page.text
    for tab in ("/invitations", "/keys", "/members"):
        assert f'href="/workspaces/{team}/settings{tab}"' in page.text
    filtered = await ada_browser.get(
        f"/workspaces/{team}/settings/audit?action=workspace.member_added"
    )
    assert 'data-action="workspace.created"' not in filtered.text
    bad = await ada_browser.get(f"/workspaces/{team}/settings/audit?action=nonsense")
    assert bad.status_code == 422
    other = await make_workspace(ada_browser, "Other")
    theirs = await ada_browser.get(f"/workspaces/{other}/settings/audit")
    assert theirs.text.count('data-testid="event-row"') == 1  # only Other's own event


async def test_the_audit_tab_names_who_did_each_event(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    await add(ada_browser, team, "bob", "editor")
    bob = await member_id(bob_browser, team, "bob")
    await bob_browser.post(f"/workspaces/{team}/settings/members/{bob}/remove", {})
    page = await ada_browser.get(f"/workspaces/{team}/settings/audit")
    who = dict(
        re.findall(
            r'data-action="([^"]+)">\s*<td>.*?</td>\s*<td data-testid="event-actor">([^<]*)</td>',
            page.text,
            re.DOTALL,
        )
    )
    # bob is no member any more, and still named: the log keeps who did what.
    assert who == {
        "workspace.created": "ada",
        "workspace.member_added": "ada",
        "workspace.member_removed": "bob",
    }


async def test_a_viewer_reads_a_prompt_without_run_or_edit_controls(
    ada_browser: Browser, bob_browser: Browser
) -> None:
    team = await make_workspace(ada_browser)
    prompt_id = await create_prompt(ada_browser, title="Team haiku")
    await add(ada_browser, team, "bob", "viewer")
    await switch(bob_browser, team)
    library = await bob_browser.get("/prompts")
    assert "Team haiku" in text_of(library.text)
    assert 'data-testid="new-prompt"' not in library.text
    assert "You have view access" in text_of(library.text)
    page = await bob_browser.get(f"/prompts/{prompt_id}")
    assert page.status_code == 200
    assert 'data-testid="run-form"' not in page.text
    assert 'data-testid="edit-prompt"' not in page.text
    assert "js/run.js" not in page.text
    assert "You have view access" in text_of(page.text)
    assert (await bob_browser.get(f"/prompts/{prompt_id}/edit")).status_code == 403
    assert (await bob_browser.get("/prompts/new")).status_code == 403
    categories = await bob_browser.get("/categories")
    assert 'data-testid="new-category-form"' not in categories.text
    compare = await bob_browser.get(f"/compare?prompt={prompt_id}")
    assert compare.status_code == 200
    assert 'data-testid="compare-form"' not in compare.text
    assert "js/compare.js" not in compare.text
    assert "You have view access" in text_of(compare.text)
    assert "Team haiku" in text_of((await bob_browser.get("/compare")).text)  # the current one's
    # The owner still has every control.
    owner = await ada_browser.get(f"/prompts/{prompt_id}")
    assert 'data-testid="run-form"' in owner.text and 'data-testid="edit-prompt"' in owner.text
