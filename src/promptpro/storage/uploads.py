"""Uploaded images, scoped to the workspaces of the acting user."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from promptpro.db.models import Upload
from promptpro.storage.workspaces import WorkspaceStorage, member_of


def new_upload_id() -> str:
    """An upload's id: 128 random bits in hex."""
    return secrets.token_hex(16)


class UploadStorage(WorkspaceStorage):
    """An upload is read only through a workspace the actor belongs to."""

    async def get_upload(self, actor_id: str, upload_id: str) -> Upload | None:
        """The upload with this id, if it is in one of the actor's workspaces."""
        if not isinstance(upload_id, str) or len(upload_id) > 64:
            return None
        query = sa.select(Upload).where(
            Upload.id == upload_id,
            Upload.workspace_id.in_(member_of(actor_id, self.workspace_limit)),
        )
        return await self._scalar(query)

    async def store_upload(
        self,
        actor_id: str,
        workspace_id: int,
        *,
        media_type: str,
        sha256: str,
        data: bytes,
        source_url: str | None = None,
    ) -> Upload:
        """The workspace's upload of these bytes: the one stored before, or a new one (the
        service checked the role). Concurrent stores of the same bytes make one row."""
        values = {
            "id": new_upload_id(),
            "workspace_id": workspace_id,
            "created_by_id": actor_id,
            "media_type": media_type,
            "sha256": sha256,
            "size": len(data),
            "data": data,
            "source_url": source_url,
        }
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._execute(insert(Upload).values(**values).on_conflict_do_nothing())
        query = sa.select(Upload).where(
            Upload.workspace_id == workspace_id, Upload.sha256 == sha256
        )
        stored = await self._scalar(query)
        assert stored is not None  # inserted now, or before: the unique pair holds it
        return stored
