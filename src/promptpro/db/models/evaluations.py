"""Evaluations: a prompt's variants run on a test set's rows, one cell per (row, variant,
repeat). The cells are the one truth of an evaluation's progress and results; workers take
them (services/evaluation_cells.py)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, Timestamps
from promptpro.db.types import JSON, String, Text, UTCDateTime


class EvaluationStatus(enum.StrEnum):
    """Where an evaluation is."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class CellStatus(enum.StrEnum):
    """Where a cell is: waiting, taken by a worker, or how it ended."""

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"  # ran, and its assertions failed
    ERRORED = "errored"  # could not run (provider error, budget, ...) once attempts ran out
    CANCELLED = "cancelled"


FINISHED_CELLS = frozenset(
    {CellStatus.PASSED, CellStatus.FAILED, CellStatus.ERRORED, CellStatus.CANCELLED}
)


class Evaluation(Timestamps, Base):
    """One evaluation run: its matrix, a snapshot of the rows it ran, its estimate."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # The set it ran (None once the set is deleted: the snapshot keeps the results readable).
    test_set_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("test_sets.id", ondelete="SET NULL")
    )
    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The variant spec as asked: a label (resolved to its version when created), or versions.
    label: Mapped[str | None] = mapped_column(String)
    # The columns: [{"version": n | null (the prompt as it is), "model": "p/m"}], in order.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    models: Mapped[list[str]] = mapped_column(JSON)
    repeats: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String, default=EvaluationStatus.QUEUED)
    # The cost estimate (USD; None: no price known) and its parts, as answered when created.
    estimate_usd: Mapped[float | None] = mapped_column(sa.Double)
    estimate: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Snapshot of what ran: the rows ([{id, variables, expected, assertions}]), the set's
    # assertions and threshold. Editing the set later changes no old result.
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    assertions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    threshold: Mapped[float | None] = mapped_column(sa.Double)
    cell_count: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_evaluations_test_set_id_id", "test_set_id", "id"),)


class EvaluationCell(Timestamps, Base):
    """One (row, variant, repeat) of an evaluation, taken by one worker at a time."""

    __tablename__ = "evaluation_cells"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluations.id", ondelete="CASCADE"))
    row_index: Mapped[int]  # into the evaluation's row snapshot
    row_id: Mapped[int]  # the test set row it came from (not a key: the row may go)
    variant: Mapped[int]  # into the evaluation's variants
    repeat: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String, default=CellStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # While running: who holds it and until when; past it, another worker may take it again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_id: Mapped[str | None] = mapped_column(String)
    # The run record (the same as any run's) of its last attempt.
    response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="SET NULL")
    )
    output: Mapped[str | None] = mapped_column(Text)
    assertion_results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(sa.Double)
    latency_ms: Mapped[float | None] = mapped_column(sa.Double)
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    cost_usd: Mapped[float | None] = mapped_column(sa.Double)
    judge_cost_usd: Mapped[float | None] = mapped_column(sa.Double)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_note: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_evaluation_cells_evaluation_id_status", "evaluation_id", "status"),
        sa.Index("ix_evaluation_cells_evaluation_id_id", "evaluation_id", "id"),
        sa.Index(
            "ix_evaluation_cells_evaluation_id_finished_at",
            "evaluation_id",
            "finished_at",
            "id",
        ),
        sa.CheckConstraint("rating IN (1, -1)", name="rating"),
    )
