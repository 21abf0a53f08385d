"""Revision 0013 on a database with prompts and responses: existing prompts become text
prompts, search and run counts keep working, and down removes only the new columns."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.fill import libraries_at_0006
from tests.db.sql import run


def test_existing_prompts_become_text_prompts_and_down_keeps_them(blank_url: str) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0006"))
    libraries_at_0006(url)
    asyncio.run(migrate.upgrade(url, "0007"))
    asyncio.run(migrate.upgrade(url, "0013"))

    assert run(url, "SELECT DISTINCT type FROM prompts") == [("text",)]
    assert run(url, "SELECT count(*) FROM prompt_versions WHERE type <> 'text'") == [(0,)]
    assert run(
        url,
        "SELECT count(*) FROM prompts WHERE messages IS NULL AND output_schema IS NULL"
        " AND tools IS NULL",
    ) == [(4,)]
    assert run(
        url,
        "SELECT count(*) FROM responses WHERE messages IS NULL AND schema_valid IS NULL"
        " AND tool_calls IS NULL AND previous_response_id IS NULL",
    ) == [(4,)]
    # The run counts still follow the responses, and (SQLite) search still indexes prompts.
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, schema_valid)"
        " SELECT min(id), 'x', 'm', true FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(2,)]
    if url.startswith("sqlite"):
        run(
            url,
            "INSERT INTO prompts (user_id, workspace_id, title, content, type)"
            " SELECT 'a', id, 'fresh', 'okapi', 'chat' FROM workspaces"
            " WHERE personal_user_id = 'a'",
        )
        assert run(url, "SELECT count(*) FROM prompts_fts WHERE prompts_fts MATCH 'okapi'") == [
            (1,)
        ]

    asyncio.run(migrate.downgrade(url, "0007"))
    assert run(url, "SELECT count(*) FROM responses") == [(5,)]
    with pytest.raises(sa.exc.DBAPIError):
        run(url, "SELECT type FROM prompts")
    with pytest.raises(sa.exc.DBAPIError):
        run(url, "SELECT tool_calls FROM responses")
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model) SELECT min(id), 'y', 'm' FROM prompts",
    )
    assert run(url, "SELECT max(run_count) FROM prompts") == [(3,)]
    # And up again.
    asyncio.run(migrate.upgrade(url, "0013"))
    assert run(url, "SELECT count(*) FROM prompts WHERE type = 'text'")[0][0] >= 4
