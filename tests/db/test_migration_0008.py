"""Revision 0008 on a database with accounts and tokens: the tokens keep working (all
workspaces, read-write), invitations and the token limits come and go; down revokes only
the limited tokens (unlimited, they would see more than they were made for)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from promptpro.db import migrate
from tests.db.sql import AT, run


def test_tokens_survive_the_round_trip_and_invitations_come_and_go(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0007"))
    run(
        blank_url,
        "INSERT INTO users (id, username, created_at, updated_at) VALUES ('a', 'ada', :at, :at)",
        at=AT,
    )
    run(
        blank_url,
        "INSERT INTO workspaces (id, name, personal_user_id, created_at, updated_at)"
        " VALUES (7, 'Team', NULL, :at, :at)",
        at=AT,
    )
    run(
        blank_url,
        "INSERT INTO access_tokens (user_id, name, token_hash, created_at)"
        " VALUES ('a', 'old', 'h-old', :at)",
        at=AT,
    )

    asyncio.run(migrate.upgrade(blank_url, "0008"))

    rows = run(blank_url, "SELECT name, workspace_id, read_only FROM access_tokens")
    assert [(name, ws, bool(ro)) for name, ws, ro in rows] == [("old", None, False)]
    for name, workspace, read_only in (("limited", 7, False), ("reader", None, True)):
        run(
            blank_url,
            "INSERT INTO access_tokens (user_id, name, token_hash, created_at, workspace_id,"
            " read_only) VALUES ('a', :n, :h, :at, :ws, :ro)",
            n=name,
            h=f"h-{name}",
            at=AT,
            ws=workspace,
            ro=read_only,
        )
    run(
        blank_url,
        "INSERT INTO workspace_invitations (workspace_id, inviter_id, role, token_hash,"
        " created_at, expires_at) VALUES (7, 'a', 'editor', 'h-inv', :at, :at)",
        at=AT,
    )
    # A token limited to a workspace goes with it.
    run(blank_url, "DELETE FROM workspaces WHERE id = 7")
    names = {r[0] for r in run(blank_url, "SELECT name FROM access_tokens")}
    assert names == {"old", "reader"}
    assert run(blank_url, "SELECT count(*) FROM workspace_invitations") == [(0,)]

    asyncio.run(migrate.downgrade(blank_url, "0007"))

    assert [r[0] for r in run(blank_url, "SELECT name FROM access_tokens")] == ["old"]
    with pytest.raises(sa.exc.DBAPIError):
        run(blank_url, "SELECT count(*) FROM workspace_invitations")
    asyncio.run(migrate.upgrade(blank_url, "0008"))
    rows = run(blank_url, "SELECT name, token_hash FROM access_tokens")
    assert rows == [("old", "h-old")]
