"""Test sets: a workspace's cases for evaluating prompts, each row variables plus an
optional expected answer, assertions and free metadata."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, Timestamps
from promptpro.db.types import JSON, String, Text


class TestSet(Timestamps, Base):
    """A named set of test rows in a workspace; names are unique per workspace (any case)."""

    __tablename__ = "test_sets"
    __test__ = False  # not a pytest class, whatever its name

    id: Mapped[int] = mapped_column(primary_key=True)
    # The author who made it; the workspace owns it (as prompts).
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    # The set-level assertions (schemas/assertions.Assertion, as JSON), checked on every row.
    assertions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A cell passes when its weighted score reaches this (None: only when all pass).
    threshold: Mapped[float | None]

    __table_args__ = (
        sa.Index(
            "uq_test_sets_workspace_id_name_lower", workspace_id, sa.func.lower(name), unique=True
        ),
    )


class TestSetRow(Timestamps, Base):
    """One case: the prompt's variables, an optional expected answer, its own assertions."""

    __tablename__ = "test_set_rows"
    __test__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    test_set_id: Mapped[int] = mapped_column(sa.ForeignKey("test_sets.id", ondelete="CASCADE"))
    variables: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    expected: Mapped[str | None] = mapped_column(Text)
    assertions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # `metadata` is taken by SQLAlchemy's declarative base: the attribute is `meta`.
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)

    __table_args__ = (
        # A set's rows in order (by id), paged by id.
        sa.Index("ix_test_set_rows_test_set_id_id", "test_set_id", "id"),
    )
