"""Provider keys: each user's own, stored encrypted, shown only as a hint (master-key rotation:
`key_rotation`)."""

from __future__ import annotations

import logging

from promptpro.db.models import PROVIDER_KEY_COLUMNS, ApiKeys, WorkspaceApiKeys
from promptpro.errors import Invalid, KeyUnavailable, NeedsKey
from promptpro.schemas.keys import KeyProvider, KeyRead
from promptpro.security.vault import Vault
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
