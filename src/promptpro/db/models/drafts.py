"""Unsaved editor drafts: what a user typed in a prompt's editor, kept until they save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base
from promptpro.db.types import JSON, String, UTCDateTime, utcnow


class PromptDraft(Base):
    """One user's unsaved editor state for one prompt (the editor's fields, as typed)."""

    __tablename__ = "prompt_drafts"

    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )
