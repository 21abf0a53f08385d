"""The seed's `responses`, extended into a complete record of one run."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base
from promptpro.db.types import JSON, String, Text, UTCDateTime, utcnow


class ResponseStatus(enum.StrEnum):
    """Where a run is: still streaming, or how it ended."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Response(Base):
    """What a model answered to a prompt, with everything needed to reproduce and price it."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(sa.ForeignKey("prompts.id", ondelete="CASCADE"))
    # Who ran it (None for runs from before workspaces). No foreign key, as the audit
    # log's actor: the record outlives the account (and SQLite can drop the column).
    run_by_id: Mapped[str | None] = mapped_column(String)
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String)
    generation_time: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )
    # Additions to the seed (all nullable or defaulted, so seed rows stay valid).
    prompt_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("prompt_versions.id", ondelete="SET NULL")
    )
    rendered_input: Mapped[str | None] = mapped_column(Text)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    variables: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The prompts it included with `{{> name}}`: [{"name", "version"}] (rendered_input
    # holds the text they made).
    snippets: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        String(16), default=ResponseStatus.COMPLETED, server_default=ResponseStatus.COMPLETED
    )
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    input_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    cost_usd: Mapped[float | None]
    # Parts of the input (cache reads, cache writes) and of the output (reasoning) that the
    # provider reported apart and the catalogue prices apart; the catalogue's date.
    cached_input_tokens: Mapped[int | None]
    cache_write_tokens: Mapped[int | None]
    reasoning_tokens: Mapped[int | None]
    price_table: Mapped[str | None] = mapped_column(String(10))
    time_to_first_token: Mapped[float | None]
    # The worker process running it while `running` (see WorkerHeartbeat): a run whose
    # worker stopped beating is failed by housekeeping. Not a foreign key: the heartbeat
    # row of a dead worker is deleted once its runs are failed.
    worker_id: Mapped[str | None] = mapped_column(String(64))
    # The user's verdict on the answer: 1 (thumbs up), -1 (down) or none, and a short note.
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_note: Mapped[str | None] = mapped_column(Text)
    # The compare run this response was one column of (None: a single run).
    compare_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("compare_groups.id", ondelete="SET NULL"), index=True
    )
    # A chat prompt's conversation as sent (rendered), every earlier turn included.
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Whether the output parsed and fit the prompt's schema (None: no schema), and why not.
    schema_valid: Mapped[bool | None]
    schema_errors: Mapped[list[str] | None] = mapped_column(JSON)
    # The tools the model asked to call: [{id, name, arguments}].
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # The response whose tool calls this one answers. No foreign key (as run_by_id): added
    # to SQLite without a rebuild, and both rows go with their prompt anyway.
    previous_response_id: Mapped[int | None]
    # Whose provider key paid: "workspace" (the prompt's workspace's own key) or "personal"
    # (the runner's); None for runs from before workspace keys. No CHECK constraint: adding
    # one on SQLite would rebuild `responses` and drop its triggers (see migration 0007).
    key_source: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        # History of a prompt's responses, newest first, paged by (created_at, id).
        sa.Index("ix_responses_prompt_id_created_at_id", "prompt_id", "created_at", "id"),
        # Housekeeping looks up the running runs (few) every few seconds.
        sa.Index("ix_responses_status_worker_id", "status", "worker_id"),
        # Spending: one user's runs of a month (budgets, the usage page).
        sa.Index("ix_responses_run_by_id_created_at", "run_by_id", "created_at"),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'cancelled')", name="status"
        ),
        sa.CheckConstraint("rating IN (1, -1)", name="rating"),
    )


class WorkerHeartbeat(Base):
    """A worker process that runs prompts, and when it last said it is alive."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
