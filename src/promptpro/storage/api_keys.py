"""Provider keys: the seed's api-key operations; values are ciphertext made by the vault."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import PROVIDER_KEY_COLUMNS, ApiKeys
from promptpro.db.types import utcnow
from promptpro.errors import Invalid
from promptpro.storage.base import StorageBase


class ApiKeyStorage(StorageBase):
    """getApiKeysByUserId, saveApiKeys, updateApiKeys (one row per user)."""

    async def get_api_keys(self, owner_id: str) -> ApiKeys | None:
        """The owner's keys row (ciphertext), if they ever saved a key."""
        return await self._scalar(sa.select(ApiKeys).where(ApiKeys.user_id == owner_id))

    async def save_api_keys(self, owner_id: str, ciphertexts: dict[str, str | None]) -> ApiKeys:
        """Set (or, with None, clear) the given providers' encrypted keys, creating the row."""
        unknown = set(ciphertexts) - set(PROVIDER_KEY_COLUMNS)
        if unknown:
            raise Invalid(f"Unknown provider: {', '.join(sorted(unknown))}.", field="provider")
        row = await self.get_api_keys(owner_id)
        if row is None:
            row = ApiKeys(user_id=owner_id)
            self.session.add(row)
        for provider, ciphertext in ciphertexts.items():
            setattr(row, PROVIDER_KEY_COLUMNS[provider], ciphertext)
        row.updated_at = utcnow()
        await self._flush()
        return row

    async def replace_api_key(self, owner_id: str, provider: str, old: str, new: str) -> bool:
        """Swap one stored ciphertext for another, if it is still `old`; False otherwise.

        For re-encrypting: a key its owner changed or removed meanwhile is theirs to keep
        (the condition is checked against the latest committed row), and re-encrypting
        changes no key, so `updated_at` stays as it was.
        """
        column = getattr(ApiKeys, PROVIDER_KEY_COLUMNS[provider])
        result = await self._execute(
            sa.update(ApiKeys)
            .where(ApiKeys.user_id == owner_id, column == old)
            .values({column: new, ApiKeys.updated_at: ApiKeys.updated_at})
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_all_api_keys(self) -> list[ApiKeys]:
        """Every keys row of every user (for re-encrypting under a new master key)."""
        return list(await self._scalars(sa.select(ApiKeys).order_by(ApiKeys.id)))
