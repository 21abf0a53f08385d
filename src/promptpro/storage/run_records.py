"""What a prompt run reads and writes while someone waits: its plan, and its record's life.

Each is one statement, built once on the tables (not the ORM entities) with named
parameters, and run as a `HotStatement` on a pooled connection of its own, outside any
transaction: a run outlives the request that started it, and it must not hold a
connection (or a transaction) while the provider answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.hot import HotStatement
from promptpro.db.models import (
    PROVIDER_KEY_COLUMNS,
    ApiKeys,
    Prompt,
    PromptLabel,
    PromptVersion,
    Response,
    ResponseStatus,
    WorkspaceMember,
)
from promptpro.errors import NotFound
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage.base import domain_errors, is_row_id

_PROMPTS = cast("sa.Table", Prompt.__table__)
_VERSIONS = cast("sa.Table", PromptVersion.__table__)
_KEYS = cast("sa.Table", ApiKeys.__table__)
_RESPONSES = cast("sa.Table", Response.__table__)
_MEMBERS = cast("sa.Table", WorkspaceMember.__table__)
_LABELS = cast("sa.Table", PromptLabel.__table__)
# The workspaces the `owner` parameter (the acting user) belongs to.
_MEMBER_OF = sa.select(_MEMBERS.c.workspace_id).where(_MEMBERS.c.user_id == sa.bindparam("owner"))

_LATEST_VERSION = (
    sa.select(_VERSIONS.c.id)
    .where(_VERSIONS.c.prompt_id == _PROMPTS.c.id)
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
    .scalar_subquery()
)
# A prompt of one of the user's workspaces, its current version, the user's role there and
# the user's stored keys (the runner pays), in one round trip.
_CONTEXT = HotStatement(
    sa.select(
        _PROMPTS.c.content,
        _PROMPTS.c.model,
        _PROMPTS.c.parameters,
        _LATEST_VERSION,
        _MEMBERS.c.role,
        _PROMPTS.c.name,
        *(_KEYS.c[column] for column in PROVIDER_KEY_COLUMNS.values()),
    )
    .select_from(
        _PROMPTS.join(
            _MEMBERS,
            sa.and_(
                _MEMBERS.c.workspace_id == _PROMPTS.c.workspace_id,
                _MEMBERS.c.user_id == sa.bindparam("owner"),
            ),
        ).outerjoin(_KEYS, _KEYS.c.user_id == sa.bindparam("owner"))
    )
    .where(_PROMPTS.c.id == sa.bindparam("prompt_id"))
)

# What a run record holds: every field of ResponseCreate, plus its prompt and start.
_RECORD_COLUMNS = (
    *ResponseCreate.model_fields,
    "prompt_id",
    "created_at",
    "worker_id",
    "run_by_id",
)
# INSERT ... SELECT, so that the prompt's ownership is checked by the insert itself.
_RECORD = HotStatement(
    sa.insert(_RESPONSES)
    .from_select(
        _RECORD_COLUMNS,
        sa.select(
            *(sa.bindparam(name, type_=_RESPONSES.c[name].type) for name in _RECORD_COLUMNS)
        ).where(
            sa.exists().where(
                _PROMPTS.c.id == sa.bindparam("prompt_id"),
                _PROMPTS.c.workspace_id.in_(_MEMBER_OF),
            )
        ),
    )
    .returning(_RESPONSES.c.id)
)


def _owned(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The response named by the `response_id` parameter, if its prompt is the `owner`'s."""
    return sa.and_(
        _RESPONSES.c.id == sa.bindparam("response_id"),
        _RESPONSES.c.prompt_id.in_(
            sa.select(_PROMPTS.c.id).where(_PROMPTS.c.workspace_id.in_(_MEMBER_OF))
        ),
        *conditions,
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
_FINISH = HotStatement(
    sa.update(_RESPONSES)
    .where(_owned(_RESPONSES.c.status == ResponseStatus.RUNNING.value))
    .values({name: sa.bindparam(f"end_{name}") for name in _END_COLUMNS})
)
# What a cancelled run keeps of what it had by then (usage, if the provider had reported it).
_PARTIAL_COLUMNS = (
    "content",
    "generation_time",
    "time_to_first_token",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)
_KEEP_PARTIAL = HotStatement(
    sa.update(_RESPONSES)
    .where(_owned(_RESPONSES.c.status == ResponseStatus.CANCELLED.value))
    .values({name: sa.bindparam(f"end_{name}") for name in _PARTIAL_COLUMNS})
)
# The text a streaming run has so far (only while it runs: never over its end).
_PROGRESS = HotStatement(
    sa.update(_RESPONSES)
    .where(_owned(_RESPONSES.c.status == ResponseStatus.RUNNING.value))
    .values(content=sa.bindparam("progress_content"))
)
_STATUS = HotStatement(sa.select(_RESPONSES.c.status).where(_owned()))


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a run needs from the database: the prompt, its version, the user's keys."""

    prompt_id: int
    content: str
    model: str | None
    parameters: dict[str, Any] | None
    version_id: int | None
    role: str  # the user's role in the prompt's workspace
    ciphertexts: dict[str, str | None]  # provider id -> its stored key, encrypted
    name: str = ""  # the prompt's name (a snippet cycle is named by it)


class RunRecords:
    """A run's reads and writes, each one statement that commits by itself."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def context(self, owner_id: str, prompt_id: int) -> RunContext | None:
        """The owner's prompt with its current version id and stored keys (None: not theirs)."""
        if not is_row_id(prompt_id):
            return None
        rows = await _CONTEXT.rows(self.engine, {"prompt_id": prompt_id, "owner": owner_id})
        if not rows:
            return None
        content, model, parameters, version_id, role, name, *ciphertexts = rows[0]
        return RunContext(
            prompt_id=prompt_id,
            name=name,
            content=content,
            model=model,
            parameters=parameters,
            version_id=version_id,
            role=role,
            ciphertexts=dict(zip(PROVIDER_KEY_COLUMNS, ciphertexts, strict=True)),
        )

    async def snippet(
        self, owner_id: str, prompt_id: int, name: str, selector: str | None
    ) -> tuple[int, str] | None:
        """The (version, wording) of the prompt `name` in the workspace of prompt
        `prompt_id`, at `selector` (`v3`, `@label`, or None: production, else the newest).

        Only runs whose prompt includes a snippet read it (`{{> name}}`), one connection.
        """
        async with self.engine.connect() as conn:
            target = sa.select(_PROMPTS.c.id).where(
                _PROMPTS.c.name == name,
                _PROMPTS.c.workspace_id
                == sa.select(_PROMPTS.c.workspace_id)
                .where(_PROMPTS.c.id == prompt_id)
                .scalar_subquery(),
                _PROMPTS.c.workspace_id.in_(_MEMBER_OF),
            )
            found = await domain_errors(conn.scalar(target, {"owner": owner_id}))
            if found is None:
                return None
            newest = sa.select(sa.func.max(_VERSIONS.c.version)).where(
                _VERSIONS.c.prompt_id == found
            )
            number: int | None
            if selector is not None and selector[:1] == "v" and selector[1:].isdigit():
                number = int(selector[1:])
            else:
                label = "production" if selector is None else selector.removeprefix("@")
                if label == "latest":
                    number = await conn.scalar(newest)
                else:
                    number = await conn.scalar(
                        sa.select(_LABELS.c.version).where(
                            _LABELS.c.prompt_id == found, _LABELS.c.label == label
                        )
                    )
                    if number is None and selector is None:
                        number = await conn.scalar(newest)
            if number is None:
                return None
            row = (
                await conn.execute(
                    sa.select(_VERSIONS.c.version, _VERSIONS.c.content).where(
                        _VERSIONS.c.prompt_id == found, _VERSIONS.c.version == number
                    )
                )
            ).first()
            return (int(row[0]), str(row[1])) if row is not None else None

    async def record(
        self,
        owner_id: str,
        prompt_id: int,
        data: ResponseCreate,
        *,
        created_at: datetime,
        worker_id: str | None = None,
    ) -> int:
        """Store a run's record (its `running` start, or the whole run); its id.

        `worker_id` names the worker process running it, whose heartbeat vouches for it.

        The run was planned from the owner's prompt moments ago, so only that the prompt is
        still theirs is checked, inside the INSERT itself (NotFound if it was deleted).
        """
        values = data.model_dump(exclude={"parameters"})
        values["parameters"] = (
            data.parameters.model_dump(exclude_none=True) if data.parameters else None
        )
        values.update(
            prompt_id=prompt_id,
            created_at=created_at,
            owner=owner_id,
            worker_id=worker_id,
            run_by_id=owner_id,
        )
        rows = await domain_errors(_RECORD.rows(self.engine, values))
        if not rows:
            raise NotFound("No such prompt.")
        return int(rows[0][0])

    async def finish(self, owner_id: str, response_id: int, values: dict[str, Any]) -> bool:
        """Store how a run ended, unless it was cancelled meanwhile (then False).

        `values` holds the columns a run's end sets: content, timing, status, error, usage.
        """
        params = {f"end_{name}": values[name] for name in _END_COLUMNS}
        params.update(response_id=response_id, owner=owner_id)
        return await domain_errors(_FINISH.rowcount(self.engine, params)) > 0

    async def keep_cancelled_text(
        self, owner_id: str, response_id: int, values: dict[str, Any]
    ) -> bool:
        """Store the partial text, timing and usage of a cancelled run (False: no such run)."""
        params = {f"end_{name}": values[name] for name in _PARTIAL_COLUMNS}
        params.update(response_id=response_id, owner=owner_id)
        return await domain_errors(_KEEP_PARTIAL.rowcount(self.engine, params)) > 0

    async def save_progress(self, owner_id: str, response_id: int, content: str) -> bool:
        """Store the text a running run has so far (False: it is no longer running)."""
        params = {"progress_content": content, "response_id": response_id, "owner": owner_id}
        return await domain_errors(_PROGRESS.rowcount(self.engine, params)) > 0

    async def status(self, owner_id: str, response_id: int) -> str | None:
        """The status of the owner's response (a run checks it to see a cancel)."""
        rows = await _STATUS.rows(self.engine, {"response_id": response_id, "owner": owner_id})
        return str(rows[0][0]) if rows else None
