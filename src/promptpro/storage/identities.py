"""OpenID Connect identities: which user an (issuer, subject) pair signs in as."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import OidcIdentity
from promptpro.storage.base import StorageBase


class IdentityStorage(StorageBase):
    """Find and link OIDC identities."""

    async def get_identity(self, issuer: str, subject: str) -> OidcIdentity | None:
        """The identity for this issuer and subject."""
        query = sa.select(OidcIdentity).where(
            OidcIdentity.issuer == issuer, OidcIdentity.subject == subject
        )
        return await self.session.scalar(query)

    async def link_identity(self, user_id: str, issuer: str, subject: str) -> OidcIdentity:
        """Record that this issuer's subject is the user."""
        identity = OidcIdentity(user_id=user_id, issuer=issuer, subject=subject)
        self.session.add(identity)
        await self._flush()
        return identity
