"""Export and import of a whole library: reads by page and bulk writes.

The reads are Core selects (rows, not ORM objects): an export of 10,000 prompts reads
50,000 versions, and ORM objects cost several times a row. The bulk writes are for the
import of many new prompts at once (docs/ARCHITECTURE.md, "Export and import"): the
service has checked the rights and validated every value with the same schemas the API
uses; these statements only insert them, several hundred rows to a statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from promptpro.db.models import (
    Category,
    Evaluation,
    EvaluationCell,
    LabelEvent,
    Prompt,
    PromptLabel,
    PromptTag,
    PromptVersion,
    Response,
    TestSet,
    TestSetRow,
)
from promptpro.db.types import utcnow
from promptpro.storage.base import StorageBase

_VERSION_COLUMNS = (
    PromptVersion.prompt_id,
    PromptVersion.version,
    PromptVersion.title,
    PromptVersion.content,
    PromptVersion.type,
    PromptVersion.messages,
    PromptVersion.output_schema,
    PromptVersion.tools,
    PromptVersion.model,
    PromptVersion.parameters,
    PromptVersion.message,
    PromptVersion.created_at,
)
CURRENT_COLUMNS = (
    Prompt.id,
    Prompt.name,
    Prompt.title,
    Prompt.content,
    Prompt.type,
    Prompt.messages,
    Prompt.output_schema,
    Prompt.tools,
    Prompt.model,
    Prompt.parameters,
)


class PortabilityStorage(StorageBase):
    """Pages of a workspace's library to export, and the bulk inserts of an import."""

    async def workspace_categories(self, workspace_id: int) -> list[sa.Row[Any]]:
        query = (
            sa.select(Category.id, Category.name, Category.description)
            .where(Category.workspace_id == workspace_id)
            .order_by(sa.func.lower(Category.name), Category.id)
        )
        return list((await self._execute(query)).all())

    async def workspace_tags(self, workspace_id: int) -> list[str]:
        query = (
            sa.select(PromptTag.tag)
            .join(Prompt, Prompt.id == PromptTag.prompt_id)
            .where(Prompt.workspace_id == workspace_id)
            .distinct()
            .order_by(PromptTag.tag)
        )
        return list(await self._scalars(query))

    async def prompt_page(
        self,
        workspace_id: int,
        *,
        after_name: str | None,
        limit: int,
        ids: Sequence[int] | None = None,
    ) -> list[sa.Row[Any]]:
        """Prompts of the workspace by name, after `after_name` (the unique name index)."""
        query = sa.select(Prompt.id, Prompt.name, Prompt.category_id).where(
            Prompt.workspace_id == workspace_id
        )
        if after_name is not None:
            query = query.where(Prompt.name > after_name)
        if ids is not None:
            query = query.where(Prompt.id.in_(list(ids)))
        return list((await self._execute(query.order_by(Prompt.name).limit(limit))).all())

    async def versions_of(self, prompt_ids: Sequence[int]) -> list[sa.Row[Any]]:
        query = (
            sa.select(*_VERSION_COLUMNS)
            .where(PromptVersion.prompt_id.in_(list(prompt_ids)))
            .order_by(PromptVersion.prompt_id, PromptVersion.version)
        )
        return list((await self._execute(query)).all())

    async def label_rows_of(self, prompt_ids: Sequence[int]) -> list[sa.Row[Any]]:
        query = (
            sa.select(PromptLabel.prompt_id, PromptLabel.label, PromptLabel.version)
            .where(PromptLabel.prompt_id.in_(list(prompt_ids)))
            .order_by(PromptLabel.prompt_id, PromptLabel.label)
        )
        return list((await self._execute(query)).all())

    async def label_events_of(self, prompt_ids: Sequence[int]) -> list[sa.Row[Any]]:
        query = (
            sa.select(
                LabelEvent.prompt_id,
                LabelEvent.label,
                LabelEvent.from_version,
                LabelEvent.to_version,
                LabelEvent.note,
                LabelEvent.occurred_at,
            )
            .where(LabelEvent.prompt_id.in_(list(prompt_ids)))
            .order_by(LabelEvent.prompt_id, LabelEvent.id)
        )
        return list((await self._execute(query)).all())

    async def responses_of(self, prompt_ids: Sequence[int]) -> list[sa.Row[Any]]:
        """What a run produced and what it cost: never who ran it, its key or its worker."""
        query = (
            sa.select(
                Response.prompt_id,
                PromptVersion.version,
                Response.model,
                Response.status,
                Response.content,
                Response.rendered_input,
                Response.variables,
                Response.parameters,
                Response.input_tokens,
                Response.output_tokens,
                Response.cost_usd,
                Response.rating,
                Response.rating_note,
                Response.created_at,
            )
            .outerjoin(PromptVersion, PromptVersion.id == Response.prompt_version_id)
            .where(Response.prompt_id.in_(list(prompt_ids)))
            .order_by(Response.prompt_id, Response.id)
        )
        return list((await self._execute(query)).all())

    async def snippet_sources(self, workspace_id: int, names: Sequence[str]) -> list[sa.Row[Any]]:
        """(id, name, content) of the workspace's prompts with these names."""
        query = sa.select(Prompt.id, Prompt.name, Prompt.content).where(
            Prompt.workspace_id == workspace_id, Prompt.name.in_(list(names))
        )
        return list((await self._execute(query)).all())

    async def contents_of(self, workspace_id: int, ids: Sequence[int]) -> list[sa.Row[Any]]:
        query = sa.select(Prompt.id, Prompt.name, Prompt.content).where(
            Prompt.workspace_id == workspace_id, Prompt.id.in_(list(ids))
        )
        return list((await self._execute(query)).all())

    async def workspace_test_sets(self, workspace_id: int) -> list[TestSet]:
        query = (
            sa.select(TestSet)
            .where(TestSet.workspace_id == workspace_id)
            .order_by(sa.func.lower(TestSet.name), TestSet.id)
        )
        return list(await self._scalars(query))

    async def evaluation_page(
        self, workspace_id: int, prompt_ids: Sequence[int] | None, after_id: int, limit: int
    ) -> list[sa.Row[Any]]:
        """The workspace's evaluations (of these prompts, if given) after `after_id`, with
        their prompt's and test set's names: what ran and how it ended, never who ran it."""
        query = (
            sa.select(
                Evaluation.id,
                Prompt.name.label("prompt_name"),
                TestSet.name.label("test_set_name"),
                Evaluation.label,
                Evaluation.variants,
                Evaluation.repeats,
                Evaluation.status,
                Evaluation.rows,
                Evaluation.assertions,
                Evaluation.threshold,
                Evaluation.created_at,
                Evaluation.finished_at,
            )
            .join(Prompt, Prompt.id == Evaluation.prompt_id)
            .outerjoin(TestSet, TestSet.id == Evaluation.test_set_id)
            .where(Evaluation.workspace_id == workspace_id, Evaluation.id > after_id)
        )
        if prompt_ids is not None:
            query = query.where(Evaluation.prompt_id.in_(list(prompt_ids)))
        return list((await self._execute(query.order_by(Evaluation.id).limit(limit))).all())

    async def evaluation_cell_page(
        self, evaluation_id: int, after_id: int, limit: int
    ) -> list[sa.Row[Any]]:
        """A page of an evaluation's cells in matrix order: results only (no worker, lease
        or run record)."""
        query = (
            sa.select(
                EvaluationCell.id,
                EvaluationCell.row_index,
                EvaluationCell.variant,
                EvaluationCell.repeat,
                EvaluationCell.status,
                EvaluationCell.output,
                EvaluationCell.assertion_results,
                EvaluationCell.score,
                EvaluationCell.latency_ms,
                EvaluationCell.input_tokens,
                EvaluationCell.output_tokens,
                EvaluationCell.cost_usd,
                EvaluationCell.judge_cost_usd,
                EvaluationCell.rating,
                EvaluationCell.rating_note,
                EvaluationCell.finished_at,
            )
            .where(EvaluationCell.evaluation_id == evaluation_id, EvaluationCell.id > after_id)
            .order_by(EvaluationCell.id)
            .limit(limit)
        )
        return list((await self._execute(query)).all())

    # --- import ----------------------------------------------------------------------

    async def current_by_name(self, workspace_id: int, names: Sequence[str]) -> list[sa.Row[Any]]:
        """The current state of the workspace's prompts with these names."""
        query = sa.select(*CURRENT_COLUMNS).where(
            Prompt.workspace_id == workspace_id, Prompt.name.in_(list(names))
        )
        return list((await self._execute(query)).all())

    async def insert_prompts(self, workspace_id: int, rows: list[dict[str, Any]]) -> list[int]:
        """Insert prompts (their current state) of one workspace, returning their ids in
        the same order. A plain executemany and one select by name: RETURNING over many
        rows made SQLAlchemy render and bind one large statement per batch, twice as slow."""
        await self._execute(sa.insert(Prompt), rows)  # type: ignore[arg-type]
        names = [row["name"] for row in rows]
        query = sa.select(Prompt.name, Prompt.id).where(
            Prompt.workspace_id == workspace_id, Prompt.name.in_(names)
        )
        ids = dict((await self._execute(query)).tuples().all())
        return [ids[name] for name in names]

    async def insert_rows(self, table: sa.FromClause, rows: list[dict[str, Any]]) -> None:
        """Insert many rows into one of the library's tables (executemany, batched)."""
        if rows:
            await self._execute(sa.insert(table), rows)  # type: ignore[arg-type]

    async def version_ids(self, prompt_ids: Sequence[int]) -> dict[tuple[int, int], int]:
        """(prompt id, version number) → the version's row id."""
        query = sa.select(PromptVersion.prompt_id, PromptVersion.version, PromptVersion.id).where(
            PromptVersion.prompt_id.in_(list(prompt_ids))
        )
        return {(p, v): i for p, v, i in (await self._execute(query)).tuples().all()}

    async def add_version_row(self, prompt_id: int, values: dict[str, Any]) -> int:
        """Append a version to an existing prompt and make it the prompt's current state."""
        latest = await self._scalar(
            sa.select(sa.func.max(PromptVersion.version)).where(
                PromptVersion.prompt_id == prompt_id
            )
        )
        number = (latest or 0) + 1
        await self._execute(
            sa.insert(PromptVersion).values(prompt_id=prompt_id, version=number, **values)
        )
        current = {k: v for k, v in values.items() if k not in ("message", "created_at")}
        await self._execute(
            sa.update(Prompt).where(Prompt.id == prompt_id).values(**current, updated_at=utcnow())
        )
        return number

    async def test_sets_by_lower_name(self, workspace_id: int) -> dict[str, TestSet]:
        query = sa.select(TestSet).where(TestSet.workspace_id == workspace_id)
        return {ts.name.lower(): ts for ts in await self._scalars(query)}

    async def all_test_rows(self, test_set_id: int) -> list[TestSetRow]:
        query = (
            sa.select(TestSetRow)
            .where(TestSetRow.test_set_id == test_set_id)
            .order_by(TestSetRow.id)
        )
        return list(await self._scalars(query))


TABLES = {
    "versions": PromptVersion.__table__,
    "tags": PromptTag.__table__,
    "labels": PromptLabel.__table__,
    "label_events": LabelEvent.__table__,
    "test_set_rows": TestSetRow.__table__,
    "responses": Response.__table__,
}
