"""Own OpenAI-compatible endpoints: a user's (personal workspace) or a team's.

A key is sealed for its endpoint and the origin (scheme://host:port) of the base URL it was
saved with (`endpoint_key_scope`), so it opens only while the base URL still points there:
a base URL moved to another host without a new key is refused (422 on `key`), and even a
row edited behind our back can't send the key elsewhere — it no longer decrypts.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from promptpro.db.models import Endpoint, User
from promptpro.errors import Invalid, NotFound, ProviderError, ProviderErrorKind
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.verify import Verdict, check, endpoint_listing
from promptpro.schemas.endpoints import (
    MAX_MODELS,
    EndpointCreate,
    EndpointModel,
    EndpointModelRead,
    EndpointRead,
    EndpointUpdate,
    KeyCheck,
)
from promptpro.security.vault import Vault
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.keys import key_hint
from promptpro.storage import Storage

log = logging.getLogger(__name__)
NO_SUCH_ENDPOINT = "No such endpoint."
NO_SUCH_WORKSPACE = "No such workspace."


def endpoint_key_scope(endpoint_id: int) -> str:
    """What a key is sealed for besides its origin (the vault's `user_id` part)."""
    return f"endpoint/{endpoint_id}"


def open_endpoint_key(vault: Vault, endpoint_id: int, origin: str, ciphertext: str | None) -> str:
    """The endpoint's key for this origin ('' for none); KeyCorrupt if sealed for another."""
    if ciphertext is None:
        return ""
    return vault.decrypt(ciphertext, user_id=endpoint_key_scope(endpoint_id), provider=origin)


def _read(endpoint: Endpoint) -> EndpointRead:
    return EndpointRead(
        id=endpoint.id,
        workspace_id=endpoint.workspace_id,
        name=endpoint.name,
        base_url=endpoint.base_url,
        key_configured=endpoint.key_ciphertext is not None,
        key_hint=endpoint.key_hint,
        models=[EndpointModelRead(**model) for model in endpoint.models or ()],
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def _models(models: list[EndpointModel]) -> list[dict[str, Any]]:
    unique = {model.name: model.model_dump() for model in models}
    return list(unique.values())


async def usable_endpoints(
    storage: Storage, actor_id: str, workspace_id: int | None
) -> list[EndpointRead]:
    """The endpoints whose models a run of the actor's in `workspace_id` may use (the model
    picker's): the workspace's own, then the actor's personal ones (None: personal only).
    A run resolves `<name>/<model>` the same way (storage/run_records `_ENDPOINT`)."""
    personal = await storage.personal_workspace_id(actor_id)
    workspaces = [personal]
    if workspace_id is not None and workspace_id != personal:
        if await storage.get_membership(actor_id, workspace_id) is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        workspaces.insert(0, workspace_id)
    found: list[EndpointRead] = []
    for workspace in workspaces:
        found += [_read(endpoint) for endpoint in await storage.list_endpoints(workspace)]
    return found


class EndpointService:
    """The endpoint rules for one acting user."""

    def __init__(
        self, storage: Storage, vault: Vault, providers: ProviderRegistry, actor: User
    ) -> None:
        self.storage = storage
        self.vault = vault
        self.providers = providers
        self.actor = actor

    # --- reading ----------------------------------------------------------------------

    async def _workspace(self, workspace_id: int | None, action: str) -> int:
        if workspace_id is None:
            return await self.storage.personal_workspace_id(self.actor.id)
        found = await self.storage.get_membership(self.actor.id, workspace_id)
        if found is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        permissions.require_role(found[1], action)
        return workspace_id

    async def _endpoint(self, endpoint_id: int, action: str) -> Endpoint:
        found = await self.storage.get_endpoint(self.actor.id, endpoint_id)
        if found is None:
            raise NotFound(NO_SUCH_ENDPOINT)
        permissions.require_role(found[1], action)
        return found[0]

    async def list_endpoints(self, workspace_id: int | None = None) -> list[EndpointRead]:
        """A workspace's endpoints (None: the actor's personal ones)."""
        workspace = await self._workspace(workspace_id, "workspace.read")
        return [_read(endpoint) for endpoint in await self.storage.list_endpoints(workspace)]

    async def get_endpoint(self, endpoint_id: int) -> EndpointRead:
        """One endpoint of a workspace the actor belongs to."""
        return _read(await self._endpoint(endpoint_id, "workspace.read"))

    # --- writing ----------------------------------------------------------------------

    def _check_name(self, name: str) -> None:
        if name in self.providers:
            raise Invalid(f"{name!r} is a built-in provider's name: choose another.", field="name")

    async def create_endpoint(
        self, data: EndpointCreate, workspace_id: int | None = None
    ) -> EndpointRead:
        """Add an endpoint to a workspace (None: the actor's personal one)."""
        workspace = await self._workspace(workspace_id, "endpoints.manage")
        self._check_name(data.name)
        self.providers.guard.check_url(data.base_url)
        endpoint = await self.storage.create_endpoint(
            workspace_id=workspace,
            created_by=self.actor.id,
            name=data.name,
            base_url=data.base_url,
            models=_models(data.models),
        )
        await self._audit(Action.ENDPOINT_CREATED, f"Added endpoint {data.name}", endpoint)
        if data.key is not None:
            await self._set_key(endpoint, data.key.get_secret_value())
        return _read(endpoint)

    async def update_endpoint(self, endpoint_id: int, data: EndpointUpdate) -> EndpointRead:
        """Change an endpoint; moving it to another host needs its key again."""
        endpoint = await self._endpoint(endpoint_id, "endpoints.manage")
        sent = data.model_fields_set
        changes: dict[str, Any] = {}
        if data.name is not None:
            self._check_name(data.name)
            changes["name"] = data.name
        if data.models is not None:
            changes["models"] = _models(data.models)
        if data.base_url is not None:
            target = self.providers.guard.check_url(data.base_url)
            moved = endpoint.key_origin is not None and target.origin != endpoint.key_origin
            if moved and "key" not in sent:
                raise Invalid(
                    f"The base URL now points at {target.origin}, not where the key was saved "
                    "for: give the key again (`key`), or `key: null` to use none. A key is "
                    "only ever sent to the host it was saved with.",
                    field="key",
                )
            changes["base_url"] = data.base_url
        await self.storage.update_endpoint(endpoint, **changes)
        if "key" in sent:
            if data.key is None:
                await self.storage.update_endpoint(
                    endpoint, key_ciphertext=None, key_origin=None, key_hint=None
                )
                await self._audit(
                    Action.ENDPOINT_KEY_SET,
                    f"Removed the key of endpoint {endpoint.name}",
                    endpoint,
                )
            else:
                await self._set_key(endpoint, data.key.get_secret_value())
        return _read(endpoint)

    async def delete_endpoint(self, endpoint_id: int) -> None:
        """Forget an endpoint and its key."""
        endpoint = await self._endpoint(endpoint_id, "endpoints.manage")
        await self._audit(Action.ENDPOINT_DELETED, f"Deleted endpoint {endpoint.name}", endpoint)
        await self.storage.delete_endpoint(endpoint)

    async def _set_key(self, endpoint: Endpoint, key: str) -> None:
        origin = self.providers.guard.check_url(endpoint.base_url).origin
        sealed = self.vault.encrypt(key, user_id=endpoint_key_scope(endpoint.id), provider=origin)
        await self.storage.update_endpoint(
            endpoint, key_ciphertext=sealed, key_origin=origin, key_hint=key_hint(key)
        )
        log.info("User %s set the key of endpoint %s", self.actor.id, endpoint.id)
        await self._audit(
            Action.ENDPOINT_KEY_SET, f"Set the key of endpoint {endpoint.name}", endpoint
        )

    async def _audit(self, action: Action, summary: str, endpoint: Endpoint) -> None:
        await audit.record(
            self.storage,
            action,
            summary,
            actor_id=self.actor.id,
            object_type="endpoint",
            object_id=endpoint.id,
            workspace_id=endpoint.workspace_id,
        )

    # --- calling it -------------------------------------------------------------------

    async def _probe(self, endpoint: Endpoint) -> Verdict:
        guard = self.providers.guard
        origin = guard.check_url(endpoint.base_url).origin
        key = open_endpoint_key(self.vault, endpoint.id, origin, endpoint.key_ciphertext)
        async with guard.client() as client:
            return await check(client, endpoint_listing(endpoint.base_url, key), endpoint.name, key)

    async def verify(self, endpoint_id: int) -> KeyCheck:
        """Whether the endpoint answers its model list with its key."""
        endpoint = await self._endpoint(endpoint_id, "prompt.run")
        verdict = await self._probe(endpoint)
        return KeyCheck(status=verdict.status, detail=verdict.detail)

    async def discover(self, endpoint_id: int) -> EndpointRead:
        """Add the models the endpoint lists (GET {baseUrl}/models); prices entered stay."""
        endpoint = await self._endpoint(endpoint_id, "endpoints.manage")
        verdict = await self._probe(endpoint)
        if verdict.status != "valid":
            kind = (
                ProviderErrorKind.BAD_KEY
                if verdict.status == "refused"
                else ProviderErrorKind.UPSTREAM
            )
            raise ProviderError(verdict.detail, kind=kind, provider=endpoint.name)
        known = {model["name"]: model for model in endpoint.models or ()}
        for name in verdict.models[:MAX_MODELS]:
            try:
                known.setdefault(name, EndpointModel(name=name).model_dump())
            except ValidationError:
                continue  # a name no model id can hold (spaces, a leading slash)
        await self.storage.update_endpoint(endpoint, models=list(known.values()))
        return _read(endpoint)
