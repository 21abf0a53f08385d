"""Own OpenAI-compatible endpoints, each of a workspace; reads scoped to the actor's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from promptpro.db.models import Endpoint, WorkspaceMember
from promptpro.storage.base import StorageBase, is_row_id


class EndpointStorage(StorageBase):
    """Endpoints of the workspaces the actor belongs to."""

    async def list_endpoints(self, workspace_id: int) -> list[Endpoint]:
        """A workspace's endpoints by name (the caller checked the actor belongs there)."""
        query = (
            sa.select(Endpoint)
            .where(Endpoint.workspace_id == workspace_id)
            .order_by(sa.func.lower(Endpoint.name), Endpoint.id)
        )
        return list(await self._scalars(query))

    async def get_endpoint(self, actor_id: str, endpoint_id: int) -> tuple[Endpoint, str] | None:
        """The endpoint and the actor's role in its workspace (None: absent or not theirs)."""
        if not is_row_id(endpoint_id):
            return None
        query = (
            sa.select(Endpoint, WorkspaceMember.role)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Endpoint.workspace_id)
            .where(Endpoint.id == endpoint_id, WorkspaceMember.user_id == actor_id)
        )
        row = (await self._execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def endpoint_name_known(self, actor_id: str, name: str) -> bool:
        """Whether a workspace the actor belongs to has an endpoint called `name`."""
        query = (
            sa.select(Endpoint.id)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Endpoint.workspace_id)
            .where(
                WorkspaceMember.user_id == actor_id, sa.func.lower(Endpoint.name) == name.lower()
            )
            .limit(1)
        )
        return await self._scalar(query) is not None

    async def create_endpoint(self, **values: Any) -> Endpoint:
        """A new endpoint (Conflict on `name` when its workspace has one so named)."""
        endpoint = Endpoint(**values)
        self.session.add(endpoint)
        await self._flush()
        return endpoint

    async def update_endpoint(self, endpoint: Endpoint, **values: Any) -> Endpoint:
        """Change the given columns."""
        for name, value in values.items():
            setattr(endpoint, name, value)
        await self._flush()
        return endpoint

    async def delete_endpoint(self, endpoint: Endpoint) -> None:
        """Forget the endpoint and its key."""
        await self.session.delete(endpoint)
        await self._flush()

    async def list_all_endpoint_keys(self) -> list[Endpoint]:
        """Every endpoint that holds a key, of every workspace (for re-encrypting)."""
        query = (
            sa.select(Endpoint).where(Endpoint.key_ciphertext.is_not(None)).order_by(Endpoint.id)
        )
        return list(await self._scalars(query))

    async def replace_endpoint_key(self, endpoint_id: int, old: str, new: str) -> bool:
        """Swap the endpoint's sealed key for another, if it is still `old`; False otherwise
        (its key was changed or removed meanwhile: that stands). `updated_at` stays."""
        result = await self._execute(
            sa.update(Endpoint)
            .where(Endpoint.id == endpoint_id, Endpoint.key_ciphertext == old)
            .values({Endpoint.key_ciphertext: new, Endpoint.updated_at: Endpoint.updated_at})
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
