"""Change requests: an editor asks for a protected label to move; an admin approves (the
label moves, recorded with the request's id) or rejects with a reason."""

from __future__ import annotations

from promptpro.db.models import ChangeRequest
from promptpro.errors import Conflict, Invalid, NotFound
from promptpro.schemas.labels import ChangeRequestCreate, ChangeRequestRead
from promptpro.services import permissions
from promptpro.services.labels import LabelService, label_name

NO_SUCH_REQUEST = "No such change request."
LIST_LIMIT = 200
STATUSES = ("pending", "approved", "rejected")


def _read(request: ChangeRequest) -> ChangeRequestRead:
    return ChangeRequestRead.model_validate(request)


class ChangeRequestService(LabelService):
    """The change-request rules for one acting user."""

    async def create(self, prompt_id: int, data: ChangeRequestCreate) -> ChangeRequestRead:
        """A pending request to point `label` at `version`."""
        label = label_name(data.label)
        found = await self.find(prompt_id, "change_requests.create")
        if await self.storage.version_of(prompt_id, data.version) is None:
            raise Invalid(f"The prompt has no version {data.version}.", field="version")
        current = (await self.storage.label_map(prompt_id)).get(label)
        if current == data.version:
            raise Conflict(f"{label!r} already points at version {data.version}.", field="version")
        request = await self.storage.create_change_request(
            found.prompt,
            label=label,
            version=data.version,
            base_version=current,
            note=data.note,
            actor_id=self.actor_id,
        )
        return _read(request)

    async def list_for_prompt(self, prompt_id: int, status: str | None) -> list[ChangeRequestRead]:
        """The prompt's requests, newest first (optionally of one status)."""
        if status is not None and status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}.", field="status")
        await self.find(prompt_id)
        requests = await self.storage.list_change_requests(prompt_id, status, LIST_LIMIT)
        return [_read(request) for request in requests]

    async def list_pending(self) -> list[ChangeRequestRead]:
        """Pending requests across the actor's workspaces, newest first."""
        return [_read(r) for r in await self.storage.list_pending_requests(self.actor_id, 100)]

    async def _pending(self, request_id: int) -> ChangeRequest:
        request = await self.storage.get_change_request(self.actor_id, request_id)
        if request is None:
            raise NotFound(NO_SUCH_REQUEST)
        found = await self.find(request.prompt_id)
        permissions.require_role(found.role, "change_requests.decide")
        if request.status != "pending":
            raise Conflict(f"This request was {request.status} already.", field="status")
        return request

    async def approve(self, request_id: int) -> ChangeRequestRead:
        """Move the label as asked, and mark the request approved."""
        request = await self._pending(request_id)
        found = await self.find(request.prompt_id)
        if not await self.storage.decide_change_request(request, "approved", self.actor_id, None):
            raise Conflict("This request was decided meanwhile.", field="status")
        await self.storage.move_label(
            found.prompt,
            request.label,
            request.version,
            actor_id=self.actor_id,
            note=request.note,
            change_request_id=request.id,
        )
        return _read(request)

    async def reject(self, request_id: int, reason: str) -> ChangeRequestRead:
        """Refuse the request, saying why."""
        request = await self._pending(request_id)
        if not await self.storage.decide_change_request(request, "rejected", self.actor_id, reason):
            raise Conflict("This request was decided meanwhile.", field="status")
        return _read(request)
