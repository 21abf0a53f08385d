"""Provider keys: each user's own, stored encrypted, shown only as a hint; master-key rotation."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from promptpro.db.models import PROVIDER_KEY_COLUMNS, ApiKeys, WorkspaceApiKeys
from promptpro.errors import Invalid, KeyCorrupt, KeyUnavailable, NeedsKey
from promptpro.schemas.keys import KeyProvider, KeyRead
from promptpro.security.vault import KEYS_VARIABLE, Vault, key_id_of
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.storage import Storage

log = logging.getLogger(__name__)

# Prefixes providers put on every key: they say which kind of key it is and nothing secret.
# Longest first, so `sk-ant-` wins over `sk-`.
PUBLIC_PREFIXES = ("sk-svcacct-", "sk-proj-", "sk-ant-", "sk-", "xai-", "AIza")
HINT_SUFFIX = 4
# A hint never shows so much of a key that fewer than this many characters stay hidden.
MIN_HIDDEN = 12
UNREADABLE = "unreadable"

RotationProgress = Callable[[int, int], None]
"""Called with (rows done, rows in all) as rotation goes."""


def key_hint(key: str) -> str:
    """A recognisable hint of a key, like `sk-…abcd`, that keeps at least MIN_HIDDEN hidden."""
    suffix = key[-HINT_SUFFIX:] if len(key) - HINT_SUFFIX >= MIN_HIDDEN else ""
    prefix = next((p for p in PUBLIC_PREFIXES if key.startswith(p)), "")
    if len(key) - len(prefix) - len(suffix) < MIN_HIDDEN:
        prefix = ""
    return f"{prefix}…{suffix}"


def known_provider(provider: str) -> KeyProvider:
    """The provider named, if it is one a key can be stored for (Invalid otherwise)."""
    return _provider(provider)


def _provider(provider: str) -> KeyProvider:
    try:
        return KeyProvider(provider)
    except ValueError:
        known = ", ".join(KeyProvider)
        raise Invalid(
            f"Unknown provider {provider!r}: use one of {known}.", field="provider"
        ) from None


KeysRow = ApiKeys | WorkspaceApiKeys


def stored_ciphertext(row: KeysRow | None, provider: KeyProvider) -> str | None:
    """The ciphertext a keys row holds for one provider (None: no key)."""
    return _ciphertext(row, provider)


def _ciphertext(row: KeysRow | None, provider: KeyProvider) -> str | None:
    if row is None:
        return None
    value: str | None = getattr(row, PROVIDER_KEY_COLUMNS[provider])
    return value


class KeyService:
    """One user's provider keys."""

    def __init__(self, storage: Storage, vault: Vault, owner_id: str) -> None:
        self.storage = storage
        self.vault = vault
        self.owner_id = owner_id

    async def list_keys(self) -> list[KeyRead]:
        """Every provider, with whether a key is stored, its hint and when keys last changed."""
        row = await self.storage.get_api_keys(self.owner_id)
        return [self._read(row, provider) for provider in KeyProvider]

    async def set_key(self, provider: str, key: str) -> KeyRead:
        """Store (or replace) the key for one provider."""
        chosen = _provider(provider)
        ciphertext = self.vault.encrypt(key, user_id=self.owner_id, provider=chosen)
        row = await self.storage.save_api_keys(self.owner_id, {chosen: ciphertext})
        log.info("User %s stored a %s key", self.owner_id, chosen)
        await audit.record(
            self.storage,
            Action.KEY_SET,
            f"Set the {chosen} API key",
            actor_id=self.owner_id,
            object_type="api_key",
            object_id=str(chosen),
        )
        return KeyRead(
            provider=chosen, configured=True, hint=key_hint(key), updated_at=row.updated_at
        )

    async def remove_key(self, provider: str) -> None:
        """Forget one provider's key; removing a key that isn't there changes nothing."""
        chosen = _provider(provider)
        row = await self.storage.get_api_keys(self.owner_id)
        if _ciphertext(row, chosen) is None:
            return
        await self.storage.save_api_keys(self.owner_id, {chosen: None})
        log.info("User %s removed their %s key", self.owner_id, chosen)
        await audit.record(
            self.storage,
            Action.KEY_REMOVED,
            f"Removed the {chosen} API key",
            actor_id=self.owner_id,
            object_type="api_key",
            object_id=str(chosen),
        )

    async def configured_providers(self) -> set[KeyProvider]:
        """The providers this user has stored a key for (without decrypting any)."""
        row = await self.storage.get_api_keys(self.owner_id)
        return {provider for provider in KeyProvider if _ciphertext(row, provider) is not None}

    async def decrypted_key(self, provider: str) -> str:
        """The plaintext key to call a provider with; NeedsKey if there is none."""
        chosen = _provider(provider)
        row = await self.storage.get_api_keys(self.owner_id)
        ciphertext = _ciphertext(row, chosen)
        if ciphertext is None:
            raise NeedsKey(
                f"No {chosen} key is stored for your account: add one in Settings, "
                f"or with PUT /api/v1/keys/{chosen}.",
                provider=chosen,
            )
        return self.vault.decrypt(ciphertext, user_id=self.owner_id, provider=chosen)

    def _read(self, row: ApiKeys | None, provider: KeyProvider) -> KeyRead:
        ciphertext = _ciphertext(row, provider)
        if row is None or ciphertext is None:
            return KeyRead(provider=provider, configured=False, hint=None, updated_at=None)
        hint, error = None, None
        try:
            hint = key_hint(
                self.vault.decrypt(ciphertext, user_id=self.owner_id, provider=provider)
            )
        except KeyUnavailable as exc:
            # Listing still works, so the user can see the problem and replace the key.
            log.warning(
                "Stored %s key of user %s can't be decrypted: %s", provider, self.owner_id, exc
            )
            error = exc.detail
        return KeyRead(
            provider=provider, configured=True, hint=hint, updated_at=row.updated_at, error=error
        )


def _stored(row: KeysRow) -> list[tuple[str, str]]:
    """The (provider, ciphertext) pairs a row holds."""
    pairs = [(provider, getattr(row, column)) for provider, column in PROVIDER_KEY_COLUMNS.items()]
    return [(provider, ciphertext) for provider, ciphertext in pairs if ciphertext is not None]


def _binding(row: KeysRow) -> dict[str, Any]:
    """What a row's ciphertexts are bound to: its user, or its workspace."""
    if isinstance(row, WorkspaceApiKeys):
        return {"workspace_id": row.workspace_id}
    return {"user_id": row.user_id}


def _owner(row: KeysRow) -> str:
    if isinstance(row, WorkspaceApiKeys):
        return f"workspace {row.workspace_id}"
    return f"user {row.user_id}"


async def _all_rows(storage: Storage) -> list[KeysRow]:
    """Every keys row: the users' and the workspaces'."""
    rows: list[KeysRow] = list(await storage.list_all_api_keys())
    rows.extend(await storage.list_all_workspace_api_keys())
    return rows


async def _replace(storage: Storage, row: KeysRow, provider: str, old: str, new: str) -> bool:
    if isinstance(row, WorkspaceApiKeys):
        return await storage.replace_workspace_api_key(row.workspace_id, provider, old, new)
    return await storage.replace_api_key(row.user_id, provider, old, new)


async def stored_key_ids(storage: Storage) -> Counter[str]:
    """How many stored keys each master key id sealed (`unreadable`: not a ciphertext of ours)."""
    counts: Counter[str] = Counter()
    for row in await _all_rows(storage):
        for _provider_id, ciphertext in _stored(row):
            counts[key_id_of(ciphertext) or UNREADABLE] += 1
    return counts


async def rotate_all(
    storage: Storage, vault: Vault, progress: RotationProgress | None = None
) -> int:
    """Re-encrypt every stored key under the vault's first master key; the rows changed.

    Every key is decrypted once before anything is written: if one can't be, nothing
    changes and the error says which master keys are missing, so no key is ever lost. Each
    key is replaced only if it is still the one read: one its owner saves or removes while
    the rotation runs is left as they saved it.
    """
    rows = await _all_rows(storage)
    _check_all_decrypt(rows, vault)
    changed = kept = 0
    for done, row in enumerate(rows, start=1):
        row_changed = False
        for provider, ciphertext in _stored(row):
            if not vault.needs_rotation(ciphertext):
                continue
            plaintext = vault.decrypt(ciphertext, provider=provider, **_binding(row))
            sealed = vault.encrypt(plaintext, provider=provider, **_binding(row))
            if await _replace(storage, row, provider, ciphertext, sealed):
                row_changed = True
            else:
                kept += 1  # its owner saved or removed it since it was read: theirs stands
        changed += row_changed
        if progress is not None:
            progress(done, len(rows))
    log.info(
        "Re-encrypted %d of %d key rows under master key %s",
        changed,
        len(rows),
        vault.current_key_id,
    )
    if kept:
        log.warning(
            "%d stored key(s) changed by their owners during the rotation were left as "
            "saved: `promptpro keys status` shows which master key sealed them",
            kept,
        )
    return changed


def _check_all_decrypt(rows: list[KeysRow], vault: Vault) -> None:
    missing: Counter[str] = Counter()
    damaged: list[str] = []
    for row in rows:
        for provider, ciphertext in _stored(row):
            if not vault.needs_rotation(ciphertext):
                continue
            try:
                vault.decrypt(ciphertext, provider=provider, **_binding(row))
            except KeyCorrupt:
                damaged.append(f"{_owner(row)}'s {provider} key")
            except KeyUnavailable as exc:
                missing[exc.key_id or UNREADABLE] += 1
    if not missing and not damaged:
        return
    reasons = [
        f"{count} made with master key {key_id}, which is not configured"
        for key_id, count in sorted(missing.items())
    ]
    if damaged:
        reasons.append(f"{len(damaged)} damaged ({', '.join(damaged)})")
    fixes = []
    if missing:
        fixes.append(f"add the missing master keys back to {KEYS_VARIABLE} (after the first)")
    if damaged:
        fixes.append("have the damaged keys saved again (or removed)")
    raise KeyUnavailable(
        f"Nothing was re-encrypted: some stored keys can't be decrypted ({'; '.join(reasons)}). "
        f"To rotate, {' and '.join(fixes)}, then run `promptpro keys rotate` again."
    )
