"""Master-key rotation: every stored secret re-encrypted under the vault's first master key.

Three kinds of rows hold sealed keys — a user's provider keys, a workspace's provider keys
and an own endpoint's key — each sealed for what it belongs to (the vault's associated
data). Rotation reads them all as `SealedKey`s, so none is forgotten: a key left under an
old master key stops working the day that master key is removed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from promptpro.db.models import PROVIDER_KEY_COLUMNS, ApiKeys, Endpoint, WorkspaceApiKeys
from promptpro.errors import KeyCorrupt, KeyUnavailable
from promptpro.security.vault import KEYS_VARIABLE, Vault, key_id_of
from promptpro.services.endpoints import endpoint_key_scope
from promptpro.storage import Storage

log = logging.getLogger(__name__)

UNREADABLE = "unreadable"

RotationProgress = Callable[[int, int], None]
"""Called with (rows done, rows in all) as rotation goes."""


@dataclass(frozen=True)
class SealedKey:
    """One stored ciphertext, what it is sealed for, and how to swap it for a new one."""

    owner: str  # for messages: "user …", "workspace …", "endpoint …"
    provider: str  # the vault's `provider` part (an endpoint's: its key's origin)
    binding: dict[str, Any]  # the vault's `user_id` / `workspace_id` part
    ciphertext: str
    replace: Callable[[str], Awaitable[bool]]  # False: changed by its owner meanwhile

    def open(self, vault: Vault) -> str:
        return vault.decrypt(self.ciphertext, provider=self.provider, **self.binding)

    def seal(self, vault: Vault, plaintext: str) -> str:
        return vault.encrypt(plaintext, provider=self.provider, **self.binding)


async def stored_keys(storage: Storage) -> list[list[SealedKey]]:
    """Every sealed key, one list per row: the users', the workspaces', the endpoints'."""
    rows: list[list[SealedKey]] = []
    for user_row in await storage.list_all_api_keys():
        rows.append(_provider_keys(storage, user_row))
    for workspace_row in await storage.list_all_workspace_api_keys():
        rows.append(_provider_keys(storage, workspace_row))
    for endpoint in await storage.list_all_endpoint_keys():
        rows.append([_endpoint_key(storage, endpoint)])
    return rows


def _provider_keys(storage: Storage, row: ApiKeys | WorkspaceApiKeys) -> list[SealedKey]:
    binding: dict[str, Any]
    swap: Callable[[str, str, str], Awaitable[bool]]
    if isinstance(row, WorkspaceApiKeys):
        owner, binding = f"workspace {row.workspace_id}", {"workspace_id": row.workspace_id}
        swap = partial(storage.replace_workspace_api_key, row.workspace_id)
    else:
        owner, binding = f"user {row.user_id}", {"user_id": row.user_id}
        swap = partial(storage.replace_api_key, row.user_id)
    return [
        SealedKey(owner, provider, binding, ciphertext, partial(swap, provider, ciphertext))
        for provider, column in PROVIDER_KEY_COLUMNS.items()
        if (ciphertext := getattr(row, column)) is not None
    ]


def _endpoint_key(storage: Storage, endpoint: Endpoint) -> SealedKey:
    assert endpoint.key_ciphertext is not None and endpoint.key_origin is not None
    return SealedKey(
        f"endpoint {endpoint.id}",
        endpoint.key_origin,
        {"user_id": endpoint_key_scope(endpoint.id)},
        endpoint.key_ciphertext,
        partial(storage.replace_endpoint_key, endpoint.id, endpoint.key_ciphertext),
    )


async def stored_key_ids(storage: Storage) -> Counter[str]:
    """How many stored keys each master key id sealed (`unreadable`: not a ciphertext of ours)."""
    counts: Counter[str] = Counter()
    for row in await stored_keys(storage):
        for key in row:
            counts[key_id_of(key.ciphertext) or UNREADABLE] += 1
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
    rows = await stored_keys(storage)
    _check_all_decrypt(rows, vault)
    changed = kept = 0
    for done, row in enumerate(rows, start=1):
        row_changed = False
        for key in row:
            if not vault.needs_rotation(key.ciphertext):
                continue
            if await key.replace(key.seal(vault, key.open(vault))):
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


def _check_all_decrypt(rows: list[list[SealedKey]], vault: Vault) -> None:
    missing: Counter[str] = Counter()
    damaged: list[str] = []
    for row in rows:
        for key in row:
            if not vault.needs_rotation(key.ciphertext):
                continue
            try:
                key.open(vault)
            except KeyCorrupt:
                damaged.append(f"{key.owner}'s {key.provider} key")
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
