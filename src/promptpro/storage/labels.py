"""Labels on prompt versions, their history, restores, change requests, fetch by name."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from promptpro.db.models import ChangeRequest, LabelEvent, Prompt, PromptLabel, PromptVersion
from promptpro.db.types import utcnow
from promptpro.storage.base import is_row_id
from promptpro.storage.changes import ChangeStorage
from promptpro.storage.prompts import VERSIONED_FIELDS
from promptpro.storage.workspaces import member_of


class LabelStorage(ChangeStorage):
    """Reads take a prompt the caller already found through scoped storage (or scope
    themselves: `get_prompt_by_name`, `get_change_request`)."""

    async def get_prompt_by_name(
        self, actor_id: str, workspace_id: int, name: str
    ) -> Prompt | None:
        """The prompt of this name in the workspace, if the actor belongs to it."""
        if not is_row_id(workspace_id):
            return None
        query = sa.select(Prompt).where(
            Prompt.workspace_id == workspace_id,
            Prompt.name == name,
            Prompt.workspace_id.in_(member_of(actor_id)),
        )
        return await self._scalar(query)

    async def prompt_names(
        self, actor_id: str, workspace_id: int, limit: int
    ) -> list[tuple[int, str]]:
        """(id, name) of the workspace's prompts, by name (the first `limit`)."""
        query = (
            sa.select(Prompt.id, Prompt.name)
            .where(
                Prompt.workspace_id == workspace_id, Prompt.workspace_id.in_(member_of(actor_id))
            )
            .order_by(Prompt.name)
            .limit(limit)
        )
        return [(int(row[0]), str(row[1])) for row in (await self._execute(query)).all()]

    async def label_map(self, prompt_id: int) -> dict[str, int]:
        """label -> version number, for the stored labels (not `latest`)."""
        query = sa.select(PromptLabel.label, PromptLabel.version).where(
            PromptLabel.prompt_id == prompt_id
        )
        return {label: version for label, version in (await self._execute(query)).all()}

    async def labels_of_prompts(self, prompt_ids: list[int]) -> dict[int, dict[str, int]]:
        """prompt id -> (label -> version), for a page of prompts in one query."""
        if not prompt_ids:
            return {}
        query = sa.select(PromptLabel.prompt_id, PromptLabel.label, PromptLabel.version).where(
            PromptLabel.prompt_id.in_(prompt_ids)
        )
        found: dict[int, dict[str, int]] = {}
        for prompt_id, label, version in (await self._execute(query)).all():
            found.setdefault(prompt_id, {})[label] = version
        return found

    async def latest_number(self, prompt_id: int) -> int:
        """The prompt's newest version number (0: none, which a prompt never is)."""
        query = sa.select(sa.func.max(PromptVersion.version)).where(
            PromptVersion.prompt_id == prompt_id
        )
        return await self._scalar(query) or 0

    async def version_of(self, prompt_id: int, number: int) -> PromptVersion | None:
        """Version `number` of a prompt found already."""
        if not is_row_id(number):
            return None
        query = sa.select(PromptVersion).where(
            PromptVersion.prompt_id == prompt_id, PromptVersion.version == number
        )
        return await self._scalar(query)

    async def move_label(
        self,
        prompt: Prompt,
        label: str,
        version: int | None,
        *,
        actor_id: str,
        note: str | None,
        change_request_id: int | None = None,
    ) -> int | None:
        """Point `label` at `version` (None: remove it), recorded in its history; the version
        it pointed at before (None: nowhere)."""
        row = await self._get(PromptLabel, (prompt.id, label))
        before = row.version if row is not None else None
        if version is None:
            if row is not None:
                await self.session.delete(row)
        elif row is None:
            self.session.add(
                PromptLabel(prompt_id=prompt.id, label=label, version=version, updated_by=actor_id)
            )
        else:
            row.version = version
            row.updated_by = actor_id
        self.session.add(
            LabelEvent(
                prompt_id=prompt.id,
                label=label,
                from_version=before,
                to_version=version,
                actor_id=actor_id,
                note=note,
                change_request_id=change_request_id,
            )
        )
        await self._flush()
        await self.prompts_changed(prompt.workspace_id)
        return before

    async def label_history(self, prompt_id: int, label: str, limit: int) -> list[LabelEvent]:
        """The label's moves, newest first."""
        query = (
            sa.select(LabelEvent)
            .where(LabelEvent.prompt_id == prompt_id, LabelEvent.label == label)
            .order_by(LabelEvent.id.desc())
            .limit(limit)
        )
        return list(await self._scalars(query))

    async def restore_version(
        self, prompt: Prompt, source: PromptVersion, message: str | None
    ) -> PromptVersion:
        """A new version copying `source`; the prompt takes its wording again."""
        for field in VERSIONED_FIELDS:
            setattr(prompt, field, getattr(source, field))
        number = await self.latest_number(prompt.id) + 1
        version = PromptVersion(
            prompt_id=prompt.id,
            version=number,
            message=message,
            **{field: getattr(source, field) for field in VERSIONED_FIELDS},
        )
        self.session.add(version)
        await self._flush()
        await self.prompts_changed(prompt.workspace_id)
        return version

    async def record_fetched(self, prompt_id: int, at: datetime, precision_s: float) -> None:
        """Note that an application fetched the prompt by name (unless noted lately).

        `updated_at` is named so that it keeps its value: a fetch is not a change.
        """
        await self._execute(
            sa.update(Prompt)
            .where(
                Prompt.id == prompt_id,
                sa.or_(
                    Prompt.last_fetched_at.is_(None),
                    Prompt.last_fetched_at < at - timedelta(seconds=precision_s),
                ),
            )
            .values(last_fetched_at=at, updated_at=Prompt.updated_at)
            .execution_options(synchronize_session=False)
        )

    # --- Change requests ----------------------------------------------------------------

    async def create_change_request(
        self,
        prompt: Prompt,
        *,
        label: str,
        version: int,
        base_version: int | None,
        note: str | None,
        actor_id: str,
    ) -> ChangeRequest:
        """A pending request to move `label` to `version`."""
        request = ChangeRequest(
            prompt_id=prompt.id,
            label=label,
            version=version,
            base_version=base_version,
            note=note,
            status="pending",
            requested_by=actor_id,
        )
        self.session.add(request)
        await self._flush()
        return request

    async def list_change_requests(
        self, prompt_id: int, status: str | None, limit: int
    ) -> list[ChangeRequest]:
        """The prompt's change requests, newest first."""
        query = sa.select(ChangeRequest).where(ChangeRequest.prompt_id == prompt_id)
        if status is not None:
            query = query.where(ChangeRequest.status == status)
        return list(await self._scalars(query.order_by(ChangeRequest.id.desc()).limit(limit)))

    async def list_pending_requests(self, actor_id: str, limit: int) -> list[ChangeRequest]:
        """Pending change requests of every prompt in the actor's workspaces, newest first."""
        query = (
            sa.select(ChangeRequest)
            .join(Prompt, Prompt.id == ChangeRequest.prompt_id)
            .where(ChangeRequest.status == "pending", Prompt.workspace_id.in_(member_of(actor_id)))
            .order_by(ChangeRequest.id.desc())
            .limit(limit)
        )
        return list(await self._scalars(query))

    async def get_change_request(self, actor_id: str, request_id: int) -> ChangeRequest | None:
        """A change request of a prompt in one of the actor's workspaces."""
        if not is_row_id(request_id):
            return None
        query = (
            sa.select(ChangeRequest)
            .join(Prompt, Prompt.id == ChangeRequest.prompt_id)
            .where(ChangeRequest.id == request_id, Prompt.workspace_id.in_(member_of(actor_id)))
        )
        return await self._scalar(query)

    async def decide_change_request(
        self, request: ChangeRequest, status: str, actor_id: str, reason: str | None
    ) -> bool:
        """Approve or reject a request still pending (False: someone decided it meanwhile)."""
        result = await self._execute(
            sa.update(ChangeRequest)
            .where(ChangeRequest.id == request.id, ChangeRequest.status == "pending")
            .values(status=status, decided_by=actor_id, decided_at=utcnow(), reason=reason)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self.session.refresh(request)
        return True
