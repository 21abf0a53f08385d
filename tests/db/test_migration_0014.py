"""Revision 0014 on a database with a library: every prompt gets a name from its title,
unique in its workspace; search and run counts keep working; down and up again."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.fill import USERS, users
from tests.db.sql import AT, run


def fill_before(url: str) -> None:
    """Two users' prompts as 0007 stored them, with titles that slugify alike."""
    users(url)
    for user_id, _name in USERS:
        run(
            url,
            "INSERT INTO workspaces (name, personal_user_id, created_at, updated_at)"
            " VALUES ('Personal', :u, :at, :at)",
            u=user_id,
            at=AT,
        )
        for title in ("Support / Triage e-mail", "support triage E-mail", "Résumé!!", "???"):
            run(
                url,
                "INSERT INTO prompts (user_id, workspace_id, title, content, created_at,"
                " updated_at) SELECT :u, id, :t, 'zebra text', :at, :at FROM workspaces"
                " WHERE personal_user_id = :w",
                u=user_id,
                w=user_id,
                t=title,
                at=AT,
            )
    run(
        url,
        "INSERT INTO prompt_versions (prompt_id, version, title, content, created_at)"
        " SELECT id, 1, title, content, :at FROM prompts",
        at=AT,
    )
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, created_at)"
        " SELECT id, 'answer', 'm', :at FROM prompts",
        at=AT,
    )


def test_existing_prompts_are_named_from_their_titles_unique_per_workspace(
    blank_url: str,
) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0007"))
    fill_before(url)
    asyncio.run(migrate.upgrade(url, "0014"))

    rows = run(url, "SELECT p.user_id, p.name FROM prompts p ORDER BY p.id")
    names = [tuple(r) for r in rows]
    expected = ["support-triage-e-mail", "support-triage-e-mail-2", "resume", "prompt"]
    assert names == [("a", n) for n in expected] + [("b", n) for n in expected]
    # Unique per workspace, on both databases.
    with pytest.raises(sa.exc.IntegrityError):
        run(url, "UPDATE prompts SET name = 'resume' WHERE name = 'prompt' AND user_id = 'a'")
    # The new tables work and cascade with the prompt.
    run(
        url,
        "INSERT INTO prompt_labels (prompt_id, label, version) SELECT min(id), 'production', 1"
        " FROM prompts",
    )
    assert run(url, "SELECT count(*) FROM prompt_labels") == [(1,)]
    # Run counts still follow responses; search (SQLite) still indexes prompts.
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model) SELECT min(id), 'x', 'm' FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(2,)]
    if url.startswith("sqlite"):
        run(url, "UPDATE prompts SET content = 'okapi' WHERE name = 'resume' AND user_id = 'a'")
        assert run(url, "SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'okapi'") == [
            (1,)
        ]
    run(url, "DELETE FROM prompts WHERE id = (SELECT min(id) FROM prompts)")
    assert run(url, "SELECT count(*) FROM prompt_labels") == [(0,)]

    asyncio.run(migrate.downgrade(url, "0007"))
    assert run(url, "SELECT count(*) FROM prompts") == [(7,)]
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model) SELECT min(id), 'y', 'm' FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(2,)]
    if url.startswith("sqlite"):
        assert run(url, "SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'zebra'") == [
            (6,)
        ]
    # And up again: the names are made afresh.
    asyncio.run(migrate.upgrade(url, "0014"))
    assert run(url, "SELECT count(DISTINCT name) FROM prompts WHERE user_id = 'b'") == [(4,)]
