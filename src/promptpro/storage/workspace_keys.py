"""A workspace's own provider keys: one row per workspace, values are the vault's ciphertext."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import PROVIDER_KEY_COLUMNS, WorkspaceApiKeys
from promptpro.db.types import utcnow
from promptpro.errors import Invalid
from promptpro.storage.base import StorageBase, is_row_id
from promptpro.storage.workspaces import member_of


class WorkspaceKeyStorage(StorageBase):
    """The keys row of a workspace, read and written for one of its members."""

    async def get_workspace_api_keys(
        self, actor_id: str, workspace_id: int
    ) -> WorkspaceApiKeys | None:
        """The workspace's keys row (ciphertext), if the actor is a member and keys were set."""
        if not is_row_id(workspace_id):
            return None
        query = sa.select(WorkspaceApiKeys).where(
            WorkspaceApiKeys.workspace_id == workspace_id,
            WorkspaceApiKeys.workspace_id.in_(member_of(actor_id)),
        )
        return await self._scalar(query)

    async def save_workspace_api_keys(
        self, actor_id: str, workspace_id: int, ciphertexts: dict[str, str | None]
    ) -> WorkspaceApiKeys:
        """Set (or, with None, clear) providers' encrypted keys, creating the row.

        The caller has checked that the actor may manage the workspace's keys.
        """
        unknown = set(ciphertexts) - set(PROVIDER_KEY_COLUMNS)
        if unknown:
            raise Invalid(f"Unknown provider: {', '.join(sorted(unknown))}.", field="provider")
        row = await self.get_workspace_api_keys(actor_id, workspace_id)
        if row is None:
            row = WorkspaceApiKeys(workspace_id=workspace_id)
            self.session.add(row)
        for provider, ciphertext in ciphertexts.items():
            setattr(row, PROVIDER_KEY_COLUMNS[provider], ciphertext)
        row.updated_at = utcnow()
        await self._flush()
        return row

    async def replace_workspace_api_key(
        self, workspace_id: int, provider: str, old: str, new: str
    ) -> bool:
        """Swap one stored ciphertext for another if it is still `old` (for re-encrypting:
        see `replace_api_key`); False otherwise."""
        column = getattr(WorkspaceApiKeys, PROVIDER_KEY_COLUMNS[provider])
        result = await self._execute(
            sa.update(WorkspaceApiKeys)
            .where(WorkspaceApiKeys.workspace_id == workspace_id, column == old)
            .values({column: new, WorkspaceApiKeys.updated_at: WorkspaceApiKeys.updated_at})
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_all_workspace_api_keys(self) -> list[WorkspaceApiKeys]:
        """Every workspace's keys row (for re-encrypting under a new master key)."""
        return list(await self._scalars(sa.select(WorkspaceApiKeys).order_by(WorkspaceApiKeys.id)))
