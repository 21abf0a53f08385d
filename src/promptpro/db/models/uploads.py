"""Uploaded images: stored once per workspace by content hash, bytes in the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from promptpro.db.base import Base, CreatedAt
from promptpro.db.types import String, Text


class Upload(CreatedAt, Base):
    """An image a workspace's runs may use; the same bytes are one row per workspace."""

    __tablename__ = "uploads"

    # 32 random hex digits: the id a run's `{"image": id}` names (ids are global; access is
    # by membership of the workspace, as every object's).
    id: Mapped[str] = mapped_column(String, primary_key=True)
    # No index of its own: the unique (workspace_id, sha256) leads with it.
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Who uploaded it (no foreign key: like `responses.run_by_id`, it outlives the account).
    created_by_id: Mapped[str | None] = mapped_column(String)
    media_type: Mapped[str] = mapped_column(String)  # from the bytes' magic numbers
    sha256: Mapped[str] = mapped_column(String)  # hex, of the bytes
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Where a run fetched it from (an `imageUrl` variable); None: uploaded.
    source_url: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "sha256", name="uq_uploads_workspace_id_sha256"),
    )
