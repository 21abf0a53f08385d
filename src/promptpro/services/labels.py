"""Labels: point them at versions, see where they were, restore old versions; protected
labels only move for admins (editors open change requests, `services/change_requests.py`).

`latest` is computed (the newest version) and can't be moved or removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptpro.db.models import Prompt, Workspace
from promptpro.errors import Forbidden, Invalid, NotFound
from promptpro.schemas.labels import (
    LabelEventRead,
    LabelRead,
    LabelSet,
)
from promptpro.schemas.library import PromptVersionRead
from promptpro.schemas.names import DEFAULT_LABEL, LATEST, check_label
from promptpro.services import permissions
from promptpro.storage import Storage

NO_SUCH_PROMPT = "No such prompt."
HISTORY_LIMIT = 200
DEFAULT_PROTECTED = (DEFAULT_LABEL,)


def protected_labels(workspace: Workspace) -> list[str]:
    """The workspace's protected labels (`production` unless its admins chose others)."""
    stored = workspace.protected_labels
    return list(DEFAULT_PROTECTED) if stored is None else list(stored)


def label_name(label: str, *, movable: bool = True) -> str:
    """A valid label name (Invalid on `label` otherwise); `latest` can't be moved."""
    try:
        check_label(label)
    except ValueError as exc:
        raise Invalid(f"{exc}.", field="label") from None
    if movable and label == LATEST:
        raise Invalid(
            "`latest` always points at the newest version: it can't be moved.", field="label"
        )
    return label


@dataclass(frozen=True)
class Found:
    """A prompt the actor may see, its workspace and the actor's role there."""

    prompt: Prompt
    workspace: Workspace
    role: str


def change_request_route(prompt_id: int) -> str:
    return f"/api/v1/prompts/{prompt_id}/change-requests"


class LabelService:
    """The label rules for one acting user."""

    def __init__(self, storage: Storage, actor_id: str) -> None:
        self.storage = storage
        self.actor_id = actor_id

    async def find(self, prompt_id: int, action: str = "workspace.read") -> Found:
        """The prompt, if the actor may do `action` in its workspace (else 404 / 403)."""
        prompt = await self.storage.get_prompt(self.actor_id, prompt_id)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        membership = await self.storage.get_membership(self.actor_id, prompt.workspace_id)
        if membership is None:
            raise NotFound(NO_SUCH_PROMPT)
        workspace, role = membership
        permissions.require_role(role, action)
        return Found(prompt, workspace, role)

    async def list_labels(self, prompt_id: int) -> list[LabelRead]:
        """`latest` first, then the stored labels by name."""
        found = await self.find(prompt_id)
        protected = protected_labels(found.workspace)
        labels = [
            LabelRead(
                label=LATEST,
                version=await self.storage.latest_number(prompt_id),
                protected=False,
            )
        ]
        for label, version in sorted((await self.storage.label_map(prompt_id)).items()):
            labels.append(LabelRead(label=label, version=version, protected=label in protected))
        return labels

    async def check_may_move(self, found: Found, label: str) -> None:
        """Forbidden unless the actor may move `label` (a protected one takes an admin)."""
        permissions.require_role(found.role, "labels.move")
        if label in protected_labels(found.workspace) and not permissions.role_allows(
            found.role, "labels.move.protected"
        ):
            raise Forbidden(
                f"The label {label!r} is protected: only workspace admins and owners move it."
                f" Ask for the move with POST {change_request_route(found.prompt.id)}.",
                kind="protected-label",
            )

    async def _version(self, prompt_id: int, number: int) -> int:
        if await self.storage.version_of(prompt_id, number) is None:
            raise Invalid(f"The prompt has no version {number}.", field="version")
        return number

    async def set_label(self, prompt_id: int, label: str, data: LabelSet) -> LabelRead:
        """Point `label` at a version (made if new), recorded in the label's history."""
        label = label_name(label)
        found = await self.find(prompt_id)
        await self.check_may_move(found, label)
        await self._version(prompt_id, data.version)
        await self.storage.move_label(
            found.prompt, label, data.version, actor_id=self.actor_id, note=data.note
        )
        return LabelRead(
            label=label,
            version=data.version,
            protected=label in protected_labels(found.workspace),
            updated_by=self.actor_id,
        )

    async def remove_label(self, prompt_id: int, label: str, note: str | None = None) -> None:
        """Take a label off the prompt (NotFound when it has none of that name)."""
        label = label_name(label)
        found = await self.find(prompt_id)
        await self.check_may_move(found, label)
        if label not in await self.storage.label_map(prompt_id):
            raise NotFound(f"The prompt has no label {label!r}.")
        await self.storage.move_label(found.prompt, label, None, actor_id=self.actor_id, note=note)

    async def history(self, prompt_id: int, label: str) -> list[LabelEventRead]:
        """Every move of the label, newest first."""
        label = label_name(label, movable=False)
        await self.find(prompt_id)
        events = await self.storage.label_history(prompt_id, label, HISTORY_LIMIT)
        return [LabelEventRead.model_validate(event) for event in events]

    async def restore(self, prompt_id: int, number: int, message: str | None) -> PromptVersionRead:
        """A new version with the wording of version `number` (labels stay where they are)."""
        found = await self.find(prompt_id, "library.write")
        source = await self.storage.version_of(prompt_id, number)
        if source is None:
            raise NotFound(f"The prompt has no version {number}.")
        version = await self.storage.restore_version(
            found.prompt, source, message or f"Restored version {number}"
        )
        await self.storage.delete_draft(self.actor_id, prompt_id)
        return PromptVersionRead.model_validate(version)
