"""Local accounts' password hashes."""

from __future__ import annotations

from promptpro.db.models import PasswordCredential
from promptpro.storage.base import StorageBase


class CredentialStorage(StorageBase):
    """Read and set a user's argon2id password hash (one per user)."""

    async def get_password_hash(self, user_id: str) -> str | None:
        """The user's password hash, or None for an account without a password (OIDC)."""
        credential = await self.session.get(PasswordCredential, user_id)
        return credential.password_hash if credential else None

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Set (or replace) the user's password hash."""
        credential = await self.session.get(PasswordCredential, user_id)
        if credential is None:
            self.session.add(PasswordCredential(user_id=user_id, password_hash=password_hash))
        else:
            credential.password_hash = password_hash
        await self._flush()
