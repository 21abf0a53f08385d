"""Revision 0008: the index a workspace's audit log is read by, made and dropped again,
with the events kept."""

from __future__ import annotations

import asyncio

from promptpro.db import migrate
from tests.db.sql import AT, indexes, run

INDEX = "ix_audit_events_workspace_id_id"


def test_the_workspace_audit_index_comes_and_goes_and_events_stay(blank_url: str) -> None:
    asyncio.run(migrate.upgrade(blank_url, "0007"))
    run(
        blank_url,
        "INSERT INTO audit_events (occurred_at, workspace_id, action, summary)"
        " VALUES (:at, 7, 'workspace.created', 'Created workspace 7')",
        at=AT,
    )
    assert INDEX not in indexes(blank_url, "audit_events")
    asyncio.run(migrate.upgrade(blank_url, "0008"))
    assert INDEX in indexes(blank_url, "audit_events")
    asyncio.run(migrate.downgrade(blank_url, "0007"))
    assert INDEX not in indexes(blank_url, "audit_events")
    asyncio.run(migrate.upgrade(blank_url, "0008"))
    rows = run(blank_url, "SELECT workspace_id, action FROM audit_events")
    assert rows == [(7, "workspace.created")]
