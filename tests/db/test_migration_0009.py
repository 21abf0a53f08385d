"""Revision 0009 on a database with runs: workspace keys get their table, responses say whose
key paid (null for older runs); the run counts still follow; down keeps every response."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run


def fill(url: str, *, user: bool = True) -> None:
    """A user with a team workspace, a prompt there and a response, as 0007 stores them."""
    if user:
        run(
            url,
            "INSERT INTO users (id, username, created_at, updated_at)"
            " VALUES ('a', 'ada', :at, :at)",
            at=AT,
        )
    run(
        url,
        "INSERT INTO workspaces (name, created_at, updated_at) VALUES ('Team', :at, :at)",
        at=AT,
    )
    run(
        url,
        "INSERT INTO workspace_members (workspace_id, user_id, role, created_at)"
        " SELECT id, 'a', 'owner', :at FROM workspaces",
        at=AT,
    )
    run(
        url,
        "INSERT INTO prompts (user_id, workspace_id, title, content, created_at, updated_at)"
        " SELECT 'a', id, 't', 'c', :at, :at FROM workspaces",
        at=AT,
    )
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, created_at, run_by_id)"
        " SELECT id, 'answer', 'm', :at, 'a' FROM prompts",
        at=AT,
    )


def test_workspace_keys_and_key_source_come_and_go_keeping_every_response(
    blank_url: str,
) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0007"))
    fill(url)
    asyncio.run(migrate.upgrade(url, "0009"))

    assert run(url, "SELECT content, key_source FROM responses") == [("answer", None)]
    run(
        url,
        "INSERT INTO workspace_api_keys (workspace_id, openai_key)"
        " SELECT id, 'v1.x.y' FROM workspaces",
    )
    with pytest.raises(sa.exc.IntegrityError):  # one row per workspace
        run(url, "INSERT INTO workspace_api_keys (workspace_id) SELECT id FROM workspaces")
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, key_source)"
        " SELECT id, 'paid', 'm', 'workspace' FROM prompts",
    )
    assert run(url, "SELECT run_count FROM prompts") == [(2,)]  # the trigger still counts
    # Deleting the workspace takes its keys along.
    run(url, "DELETE FROM workspaces WHERE id IN (SELECT workspace_id FROM workspace_api_keys)")
    assert run(url, "SELECT count(*) FROM workspace_api_keys") == [(0,)]

    fill(url, user=False)
    run(
        url,
        "INSERT INTO workspace_api_keys (workspace_id, xai_key)"
        " SELECT id, 'v1.x.y' FROM workspaces",
    )
    asyncio.run(migrate.downgrade(url, "0007"))
    assert run(url, "SELECT content FROM responses") == [("answer",)]
    inspected = run(url, "SELECT count(*) FROM prompts")
    assert inspected == [(1,)]
    with pytest.raises(sa.exc.DBAPIError):
        run(url, "SELECT count(*) FROM workspace_api_keys")
    run(url, "INSERT INTO responses (prompt_id, content, model) SELECT id, 'x', 'm' FROM prompts")
    assert run(url, "SELECT run_count FROM prompts") == [(2,)]

    asyncio.run(migrate.upgrade(url, "0009"))
    assert run(url, "SELECT count(*) FROM responses WHERE key_source IS NULL") == [(2,)]
