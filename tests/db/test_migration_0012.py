"""Revision 0012 on a database with runs: the new token, price-table and budget columns are
added empty, take values, and down removes them keeping every run; the run-count triggers
(which a rebuild of `responses` would drop) keep counting."""

from __future__ import annotations

import asyncio

from promptpro.db import migrate
from tests.db.fill import libraries_at_0006
from tests.db.sql import columns, run


def _run_count(url: str) -> list[tuple[int, int]]:
    rows = run(url, "SELECT id, run_count FROM prompts ORDER BY id")
    return [(row[0], row[1]) for row in rows]


def test_the_new_columns_come_empty_take_values_and_go_again(blank_url: str) -> None:
    url = blank_url
    asyncio.run(migrate.upgrade(url, "0006"))
    libraries_at_0006(url)
    asyncio.run(migrate.upgrade(url, "0007"))
    counts_before = _run_count(url)
    asyncio.run(migrate.upgrade(url, "0012"))

    added = {"cached_input_tokens", "cache_write_tokens", "reasoning_tokens", "price_table"}
    assert added <= columns(url, "responses")
    assert "monthly_budget_usd" in columns(url, "users")
    assert "monthly_budget_usd" in columns(url, "workspaces")
    empty = run(
        url,
        "SELECT count(*) FROM responses WHERE cached_input_tokens IS NULL"
        " AND price_table IS NULL AND reasoning_tokens IS NULL",
    )
    assert empty[0][0] == 4
    run(url, "UPDATE users SET monthly_budget_usd = 12.5")
    run(url, "UPDATE responses SET cached_input_tokens = 3, price_table = '2026-06-01'")
    # The run-count triggers still count a new run.
    prompt_id = counts_before[0][0]
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, created_at, reasoning_tokens)"
        " VALUES (:p, 'x', 'm', CURRENT_TIMESTAMP, 9)",
        p=prompt_id,
    )
    assert _run_count(url)[0][1] == counts_before[0][1] + 1

    asyncio.run(migrate.downgrade(url, "0007"))

    assert not added & columns(url, "responses")
    assert "monthly_budget_usd" not in columns(url, "users")
    assert run(url, "SELECT count(*) FROM responses")[0][0] == 5
    asyncio.run(migrate.upgrade(url, "0012"))
    assert added <= columns(url, "responses")
