"""What a prompt run reads and writes while someone waits: its plan, and its record's life.

Each is one statement, built once on the tables (not the ORM entities) with named
parameters, and run as a `HotStatement` on a pooled connection of its own, outside any
transaction: a run outlives the request that started it, and it must not hold a
connection (or a transaction) while the provider answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.hot import HotStatement
from promptpro.db.models import (
    PROVIDER_KEY_COLUMNS,
    ApiKeys,
    Endpoint,
    Prompt,
    PromptLabel,
    PromptVersion,
    Response,
    ResponseStatus,
    User,
    Workspace,
    WorkspaceApiKeys,
    WorkspaceMember,
)
from promptpro.errors import NotFound
from promptpro.schemas.responses import ResponseCreate
from promptpro.storage.base import domain_errors, is_row_id

_PROMPTS = cast("sa.Table", Prompt.__table__)
_VERSIONS = cast("sa.Table", PromptVersion.__table__)
_KEYS = cast("sa.Table", ApiKeys.__table__)
_WORKSPACE_KEYS = cast("sa.Table", WorkspaceApiKeys.__table__)
_RESPONSES = cast("sa.Table", Response.__table__)
_MEMBERS = cast("sa.Table", WorkspaceMember.__table__)
_USERS = cast("sa.Table", User.__table__)
_WORKSPACES = cast("sa.Table", Workspace.__table__)
_LABELS = cast("sa.Table", PromptLabel.__table__)


def _float(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A double precision read as the driver gives it: asyncpg already returns a float, and
    SQLAlchemy's float result processor needs the column's type code, which `db.hot` lacks."""
    return sa.type_coerce(column, sa.types.NullType())


_LATEST_VERSION = (
    sa.select(_VERSIONS.c.id)
    .where(_VERSIONS.c.prompt_id == _PROMPTS.c.id)
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
    .scalar_subquery()
)
# A prompt of one of the user's workspaces, its current version, the user's role there,
# the workspace's stored keys and the user's (the workspace's key pays if it has one, else
# the runner's), and the user's and the workspace's monthly budgets, in one round trip.
# Keys are read on every run, never cached: a key an admin replaced or removed is what the
# next run in any worker process sees.
_CONTEXT = HotStatement(
    sa.select(
        _PROMPTS.c.content,
        _PROMPTS.c.model,
        _PROMPTS.c.parameters,
        _PROMPTS.c.type,
        _PROMPTS.c.messages,
        _PROMPTS.c.output_schema,
        _PROMPTS.c.tools,
        _LATEST_VERSION,
        _MEMBERS.c.role,
        _PROMPTS.c.workspace_id,
        _float(_USERS.c.monthly_budget_usd).label("user_budget"),
        _float(_WORKSPACES.c.monthly_budget_usd).label("workspace_budget"),
        _PROMPTS.c.name,
        *(_KEYS.c[column] for column in PROVIDER_KEY_COLUMNS.values()),
        *(_WORKSPACE_KEYS.c[column] for column in PROVIDER_KEY_COLUMNS.values()),
    )
    .select_from(
        _PROMPTS.join(
            _MEMBERS,
            sa.and_(
                _MEMBERS.c.workspace_id == _PROMPTS.c.workspace_id,
                _MEMBERS.c.user_id == sa.bindparam("owner"),
            ),
        )
        .join(_USERS, _USERS.c.id == _MEMBERS.c.user_id)
        .join(_WORKSPACES, _WORKSPACES.c.id == _PROMPTS.c.workspace_id)
        .outerjoin(_KEYS, _KEYS.c.user_id == sa.bindparam("owner"))
        .outerjoin(_WORKSPACE_KEYS, _WORKSPACE_KEYS.c.workspace_id == _PROMPTS.c.workspace_id)
    )
    .where(_PROMPTS.c.id == sa.bindparam("prompt_id"))
)

_ENDPOINTS = cast("sa.Table", Endpoint.__table__)
# The workspaces the `owner` parameter (the acting user) belongs to.
_MEMBER_OF = sa.select(_MEMBERS.c.workspace_id).where(_MEMBERS.c.user_id == sa.bindparam("owner"))
_PROMPT_WORKSPACE = (
    sa.select(_PROMPTS.c.workspace_id)
    .where(_PROMPTS.c.id == sa.bindparam("prompt_id"))
    .scalar_subquery()
)
# An own endpoint by name, as a run of the prompt by `owner` sees it: the prompt's
# workspace's first, then the owner's personal one; only in workspaces the owner is in.
_ENDPOINT = HotStatement(
    sa.select(
        _ENDPOINTS.c.id,
        _ENDPOINTS.c.name,
        _ENDPOINTS.c.base_url,
        _ENDPOINTS.c.key_ciphertext,
        _ENDPOINTS.c.models,
        # Whether it is the runner's personal endpoint (else a workspace's).
        _ENDPOINTS.c.workspace_id.in_(
            sa.select(_WORKSPACES.c.id).where(
                _WORKSPACES.c.personal_user_id == sa.bindparam("owner")
            )
        ),
    )
    .where(
        sa.func.lower(_ENDPOINTS.c.name) == sa.bindparam("name"),
        _ENDPOINTS.c.workspace_id.in_(_MEMBER_OF),
        sa.or_(
            _ENDPOINTS.c.workspace_id == _PROMPT_WORKSPACE,
            _ENDPOINTS.c.workspace_id.in_(
                sa.select(_WORKSPACES.c.id).where(
                    _WORKSPACES.c.personal_user_id == sa.bindparam("owner")
                )
            ),
        ),
    )
    .order_by(sa.case((_ENDPOINTS.c.workspace_id == _PROMPT_WORKSPACE, 0), else_=1))
    .limit(1)
)


@dataclass(frozen=True)
class EndpointRow:
    """An own endpoint a run may use: where it is, its sealed key, its models and prices."""

    id: int
    name: str
    base_url: str
    key_ciphertext: str | None
    models: list[dict[str, Any]]
    personal: bool = True


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
            # Only that the prompt still exists: the runner's rights were checked when the
            # run was planned, and a member removed while their run streams must not lose
            # its paid answer. A deleted prompt takes its responses with it (NotFound).
            sa.exists().where(_PROMPTS.c.id == sa.bindparam("prompt_id"))
        ),
    )
    .returning(_RESPONSES.c.id)
)


def _owned(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The response named by the `response_id` parameter, if the `owner` ran it.

    Scoped by who ran it, not by membership: these statements are the run's own (the id is
    the one its record got), and a runner removed from the workspace mid-run still has
    its end stored ("a paid answer is never lost"). Nobody else's response matches.
    """
    return sa.and_(
        _RESPONSES.c.id == sa.bindparam("response_id"),
        _RESPONSES.c.run_by_id == sa.bindparam("owner"),
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
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "price_table",
    "time_to_first_token",
    "schema_valid",
    "schema_errors",
    "tool_calls",
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
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "price_table",
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
# This month's spending (runs still going have no cost yet, so they count from their end).
_SPENT_BY_USER = HotStatement(
    sa.select(_float(sa.func.coalesce(sa.func.sum(_RESPONSES.c.cost_usd), 0.0))).where(
        _RESPONSES.c.run_by_id == sa.bindparam("user_id"),
        _RESPONSES.c.created_at >= sa.bindparam("since", type_=_RESPONSES.c.created_at.type),
    )
)
_SPENT_IN_WORKSPACE = HotStatement(
    sa.select(_float(sa.func.coalesce(sa.func.sum(_RESPONSES.c.cost_usd), 0.0)))
    .select_from(_RESPONSES.join(_PROMPTS, _PROMPTS.c.id == _RESPONSES.c.prompt_id))
    .where(
        _PROMPTS.c.workspace_id == sa.bindparam("workspace_id"),
        _RESPONSES.c.created_at >= sa.bindparam("since", type_=_RESPONSES.c.created_at.type),
    )
)


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a run needs from the database: the prompt, its version, the keys."""

    prompt_id: int
    content: str
    model: str | None
    parameters: dict[str, Any] | None
    version_id: int | None
    role: str  # the user's role in the prompt's workspace
    ciphertexts: dict[str, str | None]  # provider id -> the user's stored key, encrypted
    workspace_id: int = 0
    user_budget_usd: float | None = None  # the runner's monthly budget
    workspace_budget_usd: float | None = None  # the prompt's workspace's
    type: str = "text"
    messages: list[dict[str, Any]] | None = None
    output_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    # provider id -> the prompt's workspace's stored key, encrypted
    workspace_ciphertexts: dict[str, str | None] = field(default_factory=dict)
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
        row = rows[0]
        content, model, parameters, kind, messages, schema, tools, version_id, role = row[:9]
        workspace_id, user_budget, workspace_budget, name, *ciphertexts = row[9:]
        count = len(PROVIDER_KEY_COLUMNS)
        return RunContext(
            prompt_id=prompt_id,
            name=name,
            content=content,
            model=model,
            parameters=parameters,
            version_id=version_id,
            role=role,
            ciphertexts=dict(zip(PROVIDER_KEY_COLUMNS, ciphertexts[:count], strict=True)),
            workspace_id=workspace_id,
            user_budget_usd=user_budget,
            workspace_budget_usd=workspace_budget,
            type=kind,
            messages=messages,
            output_schema=schema,
            tools=tools,
            workspace_ciphertexts=dict(zip(PROVIDER_KEY_COLUMNS, ciphertexts[count:], strict=True)),
        )

    async def spent_by_user(self, user_id: str, since: datetime) -> float:
        """What the user's runs since `since` cost (priced runs only)."""
        rows = await _SPENT_BY_USER.rows(self.engine, {"user_id": user_id, "since": since})
        return float(rows[0][0] or 0.0)

    async def spent_in_workspace(self, workspace_id: int, since: datetime) -> float:
        """What runs of the workspace's prompts since `since` cost (priced runs only)."""
        params = {"workspace_id": workspace_id, "since": since}
        rows = await _SPENT_IN_WORKSPACE.rows(self.engine, params)
        return float(rows[0][0] or 0.0)

    async def endpoint(self, owner_id: str, prompt_id: int, name: str) -> EndpointRow | None:
        """The own endpoint called `name` that a run of this prompt by `owner_id` may use."""
        params = {"owner": owner_id, "prompt_id": prompt_id, "name": name.lower()}
        rows = await _ENDPOINT.rows(self.engine, params)
        if not rows:
            return None
        endpoint_id, endpoint_name, base_url, ciphertext, models, personal = rows[0]
        return EndpointRow(
            endpoint_id, endpoint_name, base_url, ciphertext, list(models or ()), bool(personal)
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

        The run was planned from the owner's prompt moments ago (their role checked then),
        so only that the prompt still exists is checked, inside the INSERT itself (NotFound
        if it was deleted): a runner removed from the workspace meanwhile keeps the answer.
        """
        values = data.model_dump(exclude={"parameters"})
        values["parameters"] = (
            data.parameters.model_dump(exclude_none=True) if data.parameters else None
        )
        values.update(
            prompt_id=prompt_id,
            created_at=created_at,
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
