"""Revision 0016 (evaluations) goes up on a database with a test set, down and up again."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run_all, tables


def test_evaluations_go_up_down_and_up_again_keeping_the_test_sets(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0015"))
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
            "INSERT INTO prompts (id, user_id, workspace_id, title, content, created_at, "
            "updated_at) VALUES (1, 'a', 1, 't', 'c', :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO test_sets (id, user_id, workspace_id, name, assertions, "
            "created_at, updated_at) VALUES (1, 'a', 1, 'Capitals', '[]', :at, :at)",
            {"at": AT},
        ),
    )
    asyncio.run(migrate.upgrade(blank_url, "0016"))
    assert {"evaluations", "evaluation_cells"} <= tables(blank_url)
    run_all(
        blank_url,
        (
            "INSERT INTO evaluations (id, workspace_id, test_set_id, prompt_id, created_by, "
            "variants, models, repeats, status, estimate, rows, assertions, cell_count, "
            "created_at, updated_at) VALUES (1, 1, 1, 1, 'a', '[]', '[]', 1, 'queued', "
            "'{}', '[]', '[]', 1, :at, :at)",
            {"at": AT},
        ),
        (
            "INSERT INTO evaluation_cells (evaluation_id, row_index, row_id, variant, "
            "repeat, status, attempts, created_at, updated_at) "
            "VALUES (1, 0, 1, 0, 0, 'pending', 0, :at, :at)",
            {"at": AT},
        ),
        # Deleting the test set keeps the evaluation (its snapshot), unlinked.
        ("DELETE FROM test_sets", {}),
    )
    assert run_all(blank_url, ("SELECT test_set_id FROM evaluations", {})) == [(None,)]
    # A cell's rating is thumbs up or down.
    with pytest.raises(sa.exc.IntegrityError):
        run_all(blank_url, ("UPDATE evaluation_cells SET rating = 2", {}))

    asyncio.run(migrate.downgrade(blank_url, "0015"))
    assert not {"evaluations", "evaluation_cells"} & tables(blank_url)
    assert run_all(blank_url, ("SELECT title FROM prompts", {})) == [("t",)]

    asyncio.run(migrate.upgrade(blank_url, "0016"))
    assert run_all(blank_url, ("SELECT count(*) FROM evaluations", {})) == [(0,)]
