"""A team workspace's own provider keys: admins set and remove them, members' runs use them.

Same vault, same rules as a user's keys (`services/keys.py`): encrypted at rest with the
workspace in the associated data, never shown, only a hint — and only to those who may
manage them (`workspace.keys.manage`: owners and admins). Editors and viewers can't list
them (403); a non-member gets 404. A personal workspace has no keys of its own: its user's
keys are its keys.
"""

from __future__ import annotations

import logging

from promptpro.db.models import Workspace
from promptpro.errors import Conflict, KeyUnavailable, NotFound
from promptpro.schemas.keys import KeyProvider, KeyRead
from promptpro.security.vault import Vault
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.keys import key_hint, known_provider, stored_ciphertext
from promptpro.services.workspaces import NO_SUCH_WORKSPACE
from promptpro.storage import Storage

log = logging.getLogger(__name__)

MANAGE = "workspace.keys.manage"
PERSONAL_KEYS = (
    "A personal workspace uses your own keys: set them in Settings, Keys "
    "(PUT /api/v1/keys/{provider})."
)


class WorkspaceKeyService:
    """One workspace's provider keys, for one acting member."""

    def __init__(self, storage: Storage, vault: Vault, actor_id: str) -> None:
        self.storage = storage
        self.vault = vault
        self.actor_id = actor_id

    async def _manageable(self, workspace_id: int) -> Workspace:
        """The workspace, if the actor may manage its keys (NotFound for a non-member,
        Forbidden naming the role for a member without the right)."""
        found = await self.storage.get_membership(self.actor_id, workspace_id)
        if found is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        permissions.require_role(found[1], MANAGE)
        return found[0]

    async def list_keys(self, workspace_id: int) -> list[KeyRead]:
        """Every provider: whether the workspace has a key, and its hint (admins, owners)."""
        await self._manageable(workspace_id)
        row = await self.storage.get_workspace_api_keys(self.actor_id, workspace_id)
        reads = []
        for provider in KeyProvider:
            ciphertext = stored_ciphertext(row, provider)
            if row is None or ciphertext is None:
                reads.append(
                    KeyRead(provider=provider, configured=False, hint=None, updated_at=None)
                )
                continue
            hint, error = None, None
            try:
                plaintext = self.vault.decrypt(
                    ciphertext, workspace_id=workspace_id, provider=provider
                )
                hint = key_hint(plaintext)
            except KeyUnavailable as exc:
                # Still listed, so an admin sees the problem and can save the key again.
                log.warning(
                    "Stored %s key of workspace %s can't be decrypted: %s",
                    provider,
                    workspace_id,
                    exc,
                )
                error = exc.detail
            reads.append(
                KeyRead(
                    provider=provider,
                    configured=True,
                    hint=hint,
                    updated_at=row.updated_at,
                    error=error,
                )
            )
        return reads

    async def set_key(self, workspace_id: int, provider: str, key: str) -> KeyRead:
        """Store (or replace) the workspace's key for one provider."""
        chosen = known_provider(provider)
        workspace = await self._manageable(workspace_id)
        if workspace.personal_user_id is not None:
            raise Conflict(PERSONAL_KEYS, field="id")
        ciphertext = self.vault.encrypt(key, workspace_id=workspace_id, provider=chosen)
        row = await self.storage.save_workspace_api_keys(
            self.actor_id, workspace_id, {chosen: ciphertext}
        )
        log.info("User %s stored a %s key for workspace %s", self.actor_id, chosen, workspace_id)
        await audit.record(
            self.storage,
            Action.KEY_SET,
            f"Set the workspace's {chosen} API key",
            actor_id=self.actor_id,
            object_type="workspace_api_key",
            object_id=str(chosen),
            workspace_id=workspace_id,
        )
        return KeyRead(
            provider=chosen, configured=True, hint=key_hint(key), updated_at=row.updated_at
        )

    async def remove_key(self, workspace_id: int, provider: str) -> None:
        """Forget the workspace's key for one provider (one that isn't there: nothing)."""
        chosen = known_provider(provider)
        await self._manageable(workspace_id)
        row = await self.storage.get_workspace_api_keys(self.actor_id, workspace_id)
        if stored_ciphertext(row, chosen) is None:
            return
        await self.storage.save_workspace_api_keys(self.actor_id, workspace_id, {chosen: None})
        log.info("User %s removed the %s key of workspace %s", self.actor_id, chosen, workspace_id)
        await audit.record(
            self.storage,
            Action.KEY_REMOVED,
            f"Removed the workspace's {chosen} API key",
            actor_id=self.actor_id,
            object_type="workspace_api_key",
            object_id=str(chosen),
            workspace_id=workspace_id,
        )

    async def configured_providers(self, workspace_id: int) -> set[KeyProvider]:
        """The providers the workspace has a key for (any member may know; none decrypted):
        the model picker offers them to whoever may run prompts there."""
        row = await self.storage.get_workspace_api_keys(self.actor_id, workspace_id)
        return {p for p in KeyProvider if stored_ciphertext(row, p) is not None}
