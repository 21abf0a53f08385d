"""How a user organises a library: tags on prompts, favourites, and compare groups."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, CreatedAt
from promptpro.db.types import String, UTCDateTime, utcnow


class PromptTag(Base):
    """One tag on one prompt (normalised: trimmed, lower-cased)."""

    __tablename__ = "prompt_tags"

    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    __table_args__ = (
        # "Which prompts carry this tag" (the tag filter), without scanning every prompt's tags.
        sa.Index("ix_prompt_tags_tag_prompt_id", "tag", "prompt_id"),
    )


class Favourite(Base):
    """A prompt a user starred."""

    __tablename__ = "favourites"

    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )


class CompareGroup(CreatedAt, Base):
    """One compare run: its responses side by side, and the one the user chose."""

    __tablename__ = "compare_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    prompt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prompts.id", ondelete="CASCADE"), index=True
    )
    # use_alter: responses point at their group too; the cycle is broken for CREATE order.
    winner_response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="SET NULL", use_alter=True)
    )
