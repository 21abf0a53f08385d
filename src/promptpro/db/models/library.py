"""A user's prompt library: categories, prompts and each prompt's saved versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, CreatedAt, Timestamps
from promptpro.db.types import JSON, String, Text, UTCDateTime


class Category(Timestamps, Base):
    """A workspace's folder for prompts; names are unique per workspace regardless of case."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The author who made it (the seed's column); the workspace owns it.
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        sa.Index(
            "uq_categories_workspace_id_name_lower",
            workspace_id,
            sa.func.lower(name),
            unique=True,
        ),
    )


class Prompt(Timestamps, Base):
    """A prompt as it is now; its history is in `prompt_versions`."""

    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The author who made it (the seed's column); the workspace owns it.
    user_id: Mapped[str] = mapped_column(String, sa.ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String)
    # Unique in its workspace; `/` makes folders (`support/triage-email`). Applications fetch
    # a prompt by it. (The server default only lets migration 0014 add the column.)
    name: Mapped[str] = mapped_column(String, server_default=sa.text("''"))
    content: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    model: Mapped[str | None] = mapped_column(String)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "text" (content is the prompt) or "chat" (messages are; content is a readable
    # rendering of them, so that the list and the search keep working).
    # (No Python-side default, as run_count: statements that insert prompts need not name it;
    # the ORM always sets it.)
    type: Mapped[str] = mapped_column(String(8), server_default="text")
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # A JSON Schema the output must fit (None: free text), and the tools the model may call.
    output_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tools: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # How many responses the prompt has: kept by a database trigger on `responses`
    # (migration 0005), so "most run" is an indexed sort, not a count per page.
    # (No Python-side default: statements that insert prompts need not name it.)
    run_count: Mapped[int] = mapped_column(server_default="0")
    # When an application last fetched it by name (written at most once a minute): a
    # rename would break it, and the rename form says so.
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The library's sorts, each paged by (key, id) on an index of its own.
        sa.Index("ix_prompts_workspace_id_updated_at_id", "workspace_id", "updated_at", "id"),
        sa.Index("ix_prompts_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
        sa.Index("ix_prompts_workspace_id_run_count_id", "workspace_id", "run_count", "id"),
        sa.Index(
            "ix_prompts_workspace_id_title_lower_id", "workspace_id", sa.func.lower(title), "id"
        ),
        sa.Index("uq_prompts_workspace_id_name", "workspace_id", "name", unique=True),
    )


class PromptVersion(CreatedAt, Base):
    """One immutable saved state of a prompt, numbered 1, 2, 3… per prompt."""

    __tablename__ = "prompt_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[int] = mapped_column(sa.ForeignKey("prompts.id", ondelete="CASCADE"))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String)
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "text" (content is the prompt) or "chat" (messages are; content is a readable
    # rendering of them, so that the list and the search keep working).
    # (No Python-side default, as run_count: statements that insert prompts need not name it;
    # the ORM always sets it.)
    type: Mapped[str] = mapped_column(String(8), server_default="text")
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # A JSON Schema the output must fit (None: free text), and the tools the model may call.
    output_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tools: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # What changed, in the author's words (optional).
    message: Mapped[str | None] = mapped_column(String)

    __table_args__ = (sa.UniqueConstraint("prompt_id", "version"),)
