"""Revision 0015 (test sets) goes up on a database with a library, down and up again."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run, run_all, tables


def test_test_sets_go_up_down_and_up_again_keeping_the_library(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0007"))
    run_all(
        blank_url,
        (
            "INSERT INTO users (id, username, created_at, updated_at) "
            "VALUES ('a', 'ada', :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO workspaces (id, name, personal_user_id, created_at, updated_at) "
            "VALUES (1, 'Personal', 'a', :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO prompts (user_id, workspace_id, title, content, created_at, "
            "updated_at) VALUES ('a', 1, 't', 'c', :at, :at)",
            {"at": AT},
        ),
    )
    asyncio.run(migrate.upgrade(blank_url, "0015"))
    assert {"test_sets", "test_set_rows"} <= tables(blank_url)
    run_all(
        blank_url,
        (
            "INSERT INTO test_sets (id, user_id, workspace_id, name, assertions, "
            "created_at, updated_at) VALUES (1, 'a', 1, 'Capitals', '[]', :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO test_set_rows (test_set_id, variables, expected, created_at, "
            "updated_at) VALUES (1, '{\"c\": \"France\"}', 'Paris', :at, :at)",
            {"at": AT},
        ),
    )
    # Names are unique per workspace, regardless of case.
    with pytest.raises(sa.exc.IntegrityError):
        run(
            blank_url,
            "INSERT INTO test_sets (user_id, workspace_id, name, assertions, "
            "created_at, updated_at) VALUES ('a', 1, 'CAPITALS', '[]', :at, :at)",
            at=AT,
        )

    asyncio.run(migrate.downgrade(blank_url, "0007"))
    assert not {"test_sets", "test_set_rows"} & tables(blank_url)
    assert run(blank_url, "SELECT title FROM prompts") == [("t",)]

    asyncio.run(migrate.upgrade(blank_url, "0015"))
    assert run(blank_url, "SELECT count(*) FROM test_sets") == [(0,)]
