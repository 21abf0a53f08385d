"""Rows for migration tests to migrate, as an older revision stored them (shared by several)."""

from __future__ import annotations

from tests.db.sql import AT, run

USERS = (("a", "ada"), ("b", "bob"))


def users(url: str) -> None:
    """ada (id a) and bob (id b), as every revision stores a user's first columns."""
    for user_id, name in USERS:
        run(
            url,
            "INSERT INTO users (id, username, created_at, updated_at) VALUES (:id, :n, :at, :at)",
            id=user_id,
            n=name,
            at=AT,
        )


def libraries_at_0006(url: str) -> None:
    """Two users with categories, prompts and responses, as 0006 stored them."""
    users(url)
    for user_id, name in USERS:
        # Both have a category called Work (unique per user before, per workspace after).
        run(
            url,
            "INSERT INTO categories (user_id, name, created_at, updated_at)"
            " VALUES (:u, 'Work', :at, :at)",
            u=user_id,
            at=AT,
        )
        for n in range(2):
            run(
                url,
                "INSERT INTO prompts (user_id, title, content, created_at, updated_at)"
                " VALUES (:u, :t, 'zebra text', :at, :at)",
                u=user_id,
                t=f"{name} {n}",
                at=AT,
            )
    run(
        url,
        "INSERT INTO responses (prompt_id, content, model, created_at)"
        " SELECT id, 'answer', 'm', :at FROM prompts",
        at=AT,
    )
