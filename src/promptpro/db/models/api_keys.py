"""The seed's `api_keys`: one row per user, one ciphertext column per provider."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base
from promptpro.db.types import String, UTCDateTime, utcnow

# provider id -> column holding that provider's encrypted key
PROVIDER_KEY_COLUMNS = {
    "xai": "xai_key",
    "openai": "openai_key",
    "anthropic": "anthropic_key",
    "gemini": "gemini_key",
}


class ApiKeys(Base):
    """A user's provider keys. The key columns only ever hold ciphertext."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    xai_key: Mapped[str | None] = mapped_column(String)
    openai_key: Mapped[str | None] = mapped_column(String)
    anthropic_key: Mapped[str | None] = mapped_column(String)
    gemini_key: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )


class WorkspaceApiKeys(Base):
    """A team workspace's own provider keys: members' runs there use them, nobody reads them.

    The same four ciphertext columns as `api_keys`, sealed by the same vault with associated
    data naming the workspace (not a user), so a ciphertext copied between the tables or
    between workspaces fails to decrypt.
    """

    __tablename__ = "workspace_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    xai_key: Mapped[str | None] = mapped_column(String)
    openai_key: Mapped[str | None] = mapped_column(String)
    anthropic_key: Mapped[str | None] = mapped_column(String)
    gemini_key: Mapped[str | None] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )
