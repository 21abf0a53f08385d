"""A user's or a workspace's own OpenAI-compatible endpoints (Ollama, vLLM, OpenRouter...)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, Timestamps
from promptpro.db.types import JSON, String, Text


class Endpoint(Timestamps, Base):
    """An endpoint of a workspace (a personal one for a user's own); names unique per workspace.

    `key_ciphertext` is sealed for this endpoint and `key_origin` (scheme://host:port): the
    key is only ever sent there, and a base URL moved elsewhere needs the key again.
    """

    __tablename__ = "endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[str | None] = mapped_column(
        String, sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str] = mapped_column(String(2048))
    key_ciphertext: Mapped[str | None] = mapped_column(Text)
    key_origin: Mapped[str | None] = mapped_column(String(2048))
    key_hint: Mapped[str | None] = mapped_column(String(64))
    # [{"name": ..., "input_usd_per_mtok": float | None, "output_usd_per_mtok": ...}]
    models: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (
        sa.Index(
            "uq_endpoints_workspace_id_name_lower",
            workspace_id,
            sa.func.lower(name),
            unique=True,
        ),
    )
