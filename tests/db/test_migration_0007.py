"""Revision 0007 on a database with a library: everyone gets a personal workspace holding
their categories and prompts, search and run counts keep working; down keeps everything."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.fill import libraries_at_0006
from tests.db.sql import run


def test_everyone_gets_a_personal_workspace_with_their_library_and_down_keeps_it(
    blank_url: str,
) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0006"))
    libraries_at_0006(url)
    asyncio.run(migrate.upgrade(url, "0007"))

    owners = run(
        url,
        "SELECT w.personal_user_id, m.user_id, m.role FROM workspaces w"
        " JOIN workspace_members m ON m.workspace_id = w.id ORDER BY w.personal_user_id",
    )
    assert [tuple(r) for r in owners] == [("a", "a", "owner"), ("b", "b", "owner")]
    for table in ("categories", "prompts"):
        moved = run(
            url,
            f"SELECT t.user_id, w.personal_user_id FROM {table} t"
            " JOIN workspaces w ON w.id = t.workspace_id",
        )
        total = run(url, f"SELECT count(*) FROM {table}")
        assert len(moved) == total[0][0] == (2 if table == "categories" else 4)
        assert all(author == owner for author, owner in moved)
    assert run(url, "SELECT count(*) FROM responses WHERE run_by_id IS NULL") == [(4,)]
    # NOT NULL on both databases.
    with pytest.raises(sa.exc.IntegrityError):
        run(url, "INSERT INTO prompts (user_id, title, content) VALUES ('a', 't', 'c')")
    # The run counts still follow the responses, and (SQLite) search still indexes prompts.
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model) SELECT min(id), 'x', 'm' FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(2,)]
    if url.startswith("sqlite"):
        run(
            url,
            "INSERT INTO prompts (user_id, workspace_id, title, content)"
            " SELECT 'a', id, 'fresh', 'okapi' FROM workspaces WHERE personal_user_id = 'a'",
        )
        assert run(url, "SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'okapi'") == [
            (1,)
        ]
        assert run(url, "SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'zebra'") == [
            (4,)
        ]

    asyncio.run(migrate.downgrade(url, "0006"))
    assert run(url, "SELECT count(*) FROM prompts WHERE user_id IN ('a', 'b')")[0][0] >= 4
    assert run(url, "SELECT count(*) FROM categories") == [(2,)]
    assert run(url, "SELECT count(*) FROM responses") == [(5,)]
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model) SELECT min(id), 'y', 'm' FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(3,)]
    # And up again.
    asyncio.run(migrate.upgrade(url, "0007"))
    assert run(url, "SELECT count(*) FROM prompts WHERE workspace_id IS NULL") == [(0,)]
