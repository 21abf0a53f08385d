"""What a prompt run reads and writes: its context in one query, and its record's life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from promptpro.db.models import (
    PROVIDER_KEY_COLUMNS,
    ApiKeys,
    Prompt,
    PromptVersion,
    Response,
    ResponseStatus,
)
from promptpro.errors import NotFound
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage.base import StorageBase, is_row_id

# The statements every run executes are built once, on the tables rather than the ORM
# entities, with their values as named parameters: building a statement and going through
# the ORM cost more than the round trip itself, on the path where someone waits.
_PROMPTS = cast("sa.Table", Prompt.__table__)
_VERSIONS = cast("sa.Table", PromptVersion.__table__)
_KEYS = cast("sa.Table", ApiKeys.__table__)
_RESPONSES = cast("sa.Table", Response.__table__)

_LATEST_VERSION = (
    sa.select(_VERSIONS.c.id)
    .where(_VERSIONS.c.prompt_id == _PROMPTS.c.id)
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
    .scalar_subquery()
)
_RUN_CONTEXT = (
    sa.select(
        _PROMPTS.c.content,
        _PROMPTS.c.model,
        _PROMPTS.c.parameters,
        _LATEST_VERSION,
        *(_KEYS.c[column] for column in PROVIDER_KEY_COLUMNS.values()),
    )
    .select_from(_PROMPTS.outerjoin(_KEYS, _KEYS.c.user_id == _PROMPTS.c.user_id))
    .where(_PROMPTS.c.id == sa.bindparam("prompt_id"), _PROMPTS.c.user_id == sa.bindparam("owner"))
)


def _owned_response() -> sa.ColumnElement[bool]:
    """The response's prompt belongs to the `owner` parameter."""
    return _RESPONSES.c.prompt_id.in_(
        sa.select(_PROMPTS.c.id).where(_PROMPTS.c.user_id == sa.bindparam("owner"))
    )


# What a run record holds: every field of ResponseCreate, plus its prompt and start.
_RECORD_COLUMNS = (*ResponseCreate.model_fields, "prompt_id", "created_at")
# INSERT ... SELECT, so that the prompt's ownership is checked by the insert itself.
_RECORD_RUN = (
    sa.insert(_RESPONSES)
    .from_select(
        _RECORD_COLUMNS,
        sa.select(
            *(sa.bindparam(name, type_=_RESPONSES.c[name].type) for name in _RECORD_COLUMNS)
        ).where(
            sa.exists().where(
                _PROMPTS.c.id == sa.bindparam("prompt_id"),
                _PROMPTS.c.user_id == sa.bindparam("owner"),
            )
        ),
    )
    .returning(_RESPONSES.c.id)
)
# What a run's end sets (the rest was recorded at its start).
_END_COLUMNS = (
    "content",
    "generation_time",
    "status",
    "error",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "time_to_first_token",
)
_FINISH_RUN = (
    sa.update(_RESPONSES)
    .where(
        _RESPONSES.c.id == sa.bindparam("response_id"),
        _RESPONSES.c.status == ResponseStatus.RUNNING.value,
        _owned_response(),
    )
    .values({name: sa.bindparam(f"end_{name}") for name in _END_COLUMNS})
)


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a run needs from the database: the prompt, its version, the user's keys."""

    prompt_id: int
    content: str
    model: str | None
    parameters: dict[str, Any] | None
    version_id: int | None
    ciphertexts: dict[str, str | None]  # provider id -> its stored key, encrypted


def _owned(owner_id: str) -> sa.ColumnElement[bool]:
    return Response.prompt_id.in_(sa.select(Prompt.id).where(Prompt.user_id == owner_id))


class RunStorage(StorageBase):
    """Run records: start, finish (unless cancelled meanwhile), cancel, and clean-up."""

    async def get_run_context(self, owner_id: str, prompt_id: int) -> RunContext | None:
        """The owner's prompt with its current version id and stored keys, in one round trip.

        Plain columns rather than ORM objects: this read is on every run's critical path,
        and loading entities into the session costs more than the query itself.
        """
        if not is_row_id(prompt_id):
            return None
        params = {"prompt_id": prompt_id, "owner": owner_id}
        row = (await self._execute(_RUN_CONTEXT, params)).first()
        if row is None:
            return None
        content, model, parameters, version_id, *ciphertexts = row
        return RunContext(
            prompt_id=prompt_id,
            content=content,
            model=model,
            parameters=parameters,
            version_id=version_id,
            ciphertexts=dict(zip(PROVIDER_KEY_COLUMNS, ciphertexts, strict=True)),
        )

    async def record_run(
        self, owner_id: str, prompt_id: int, data: ResponseCreate, *, created_at: datetime
    ) -> int:
        """Store a run's record (its `running` start, or the whole run); its id.

        One statement, as a run writes it while the user waits: the run was planned from the
        owner's prompt and version moments ago, so only that the prompt is still theirs is
        checked, inside the INSERT itself (NotFound if it was deleted meanwhile).
        """
        values = data.model_dump(exclude={"parameters"})
        values["parameters"] = (
            data.parameters.model_dump(exclude_none=True) if data.parameters else None
        )
        values.update(prompt_id=prompt_id, created_at=created_at, owner=owner_id)
        response_id: int | None = (await self._execute(_RECORD_RUN, values)).scalar()
        if response_id is None:
            raise NotFound("No such prompt.")
        return response_id

    async def finish_response(
        self, owner_id: str, response_id: int, values: dict[str, Any]
    ) -> bool:
        """Store how a run ended, unless it was cancelled meanwhile (then False).

        `values` holds the columns a run's end sets: content, timing, status, error, usage.
        """
        params = {f"end_{name}": values[name] for name in _END_COLUMNS}
        params.update(response_id=response_id, owner=owner_id)
        result = await self._execute(_FINISH_RUN, params)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def keep_cancelled_text(
        self, owner_id: str, response_id: int, values: dict[str, Any]
    ) -> None:
        """Store the partial text and timing of a run that was cancelled."""
        await self._execute(
            sa.update(Response)
            .where(
                Response.id == response_id,
                Response.status == ResponseStatus.CANCELLED,
                _owned(owner_id),
            )
            .values(**values)
        )

    async def cancel_response(self, owner_id: str, response_id: int) -> Response | None:
        """Mark the owner's run as cancelled if it is still running; the response either way."""
        if not is_row_id(response_id):
            return None
        await self._execute(
            sa.update(Response)
            .where(
                Response.id == response_id,
                Response.status == ResponseStatus.RUNNING,
                _owned(owner_id),
            )
            .values(status=ResponseStatus.CANCELLED)
        )
        query = (
            sa.select(Response)
            .where(Response.id == response_id, _owned(owner_id))
            .execution_options(populate_existing=True)
        )
        return await self._scalar(query)

    async def response_status(self, owner_id: str, response_id: int) -> str | None:
        """The status of the owner's response (a run checks it to see a cancel)."""
        query = sa.select(Response.status).where(Response.id == response_id, _owned(owner_id))
        return await self._scalar(query)

    async def fail_stale_runs(self, started_before: datetime) -> int:
        """Mark runs still `running` since before `started_before` as failed (a dead worker)."""
        result = await self._execute(
            sa.update(Response)
            .where(
                Response.status == ResponseStatus.RUNNING,
                Response.created_at < started_before,
            )
            .values(
                status=ResponseStatus.FAILED,
                error={
                    "type": "/problems/interrupted",
                    "title": "Run interrupted",
                    "detail": "The server running it stopped before it finished.",
                },
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
