"""Evaluation results in the export (with `responses=true`), written as they are read.

An evaluation may hold 20,000 cells: they are read a page at a time, each page in a unit
of work of its own, and written out before the next. The per-variant summary needs every
cell, so each cell leaves behind only the few facts the summary counts (its output as a
hash), and the summary is written after the cells. What ran and how it ended is exported;
who ran it (a user id) and which key paid are not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

import sqlalchemy as sa

from promptpro.db.models import Evaluation, EvaluationCell
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.schemas.portability import iso
from promptpro.services.evaluation_summaries import summarise
from promptpro.services.portability.export import ExportScope
from promptpro.storage import Storage

EVALUATION_PAGE = 50
CELL_PAGE = 500


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class CellFacts:
    """What the summary counts of a cell; the output only as a hash (distinct outputs)."""

    row_index: int
    variant: int
    status: str
    output: str | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    judge_cost_usd: float | None
    rating: int | None
    finished_at: datetime | None


def facts(row: sa.Row[Any]) -> CellFacts:
    digest = None
    if row.output is not None:
        digest = hashlib.blake2b(row.output.encode(), digest_size=16).hexdigest()
    return CellFacts(
        row.row_index,
        row.variant,
        row.status,
        digest,
        row.latency_ms,
        row.input_tokens,
        row.output_tokens,
        row.cost_usd,
        row.judge_cost_usd,
        row.rating,
        row.finished_at,
    )


def cell_doc(row: sa.Row[Any]) -> dict[str, Any]:
    doc = {
        "rowIndex": row.row_index,
        "variant": row.variant,
        "repeat": row.repeat,
        "status": row.status,
        "output": row.output,
        "assertionResults": row.assertion_results,
        "score": row.score,
        "latencyMs": row.latency_ms,
        "inputTokens": row.input_tokens,
        "outputTokens": row.output_tokens,
        "costUsd": row.cost_usd,
        "judgeCostUsd": row.judge_cost_usd,
        "rating": row.rating,
        "ratingNote": row.rating_note,
        "finishedAt": iso(row.finished_at) if row.finished_at else None,
    }
    return {key: value for key, value in doc.items() if value is not None}


def head_doc(row: sa.Row[Any]) -> dict[str, Any]:
    """The evaluation without its cells and summary: by names, with the rows it ran (a
    cell's rowIndex points into them; the test set may have changed since)."""
    doc: dict[str, Any] = {"prompt": row.prompt_name, "testSet": row.test_set_name}
    if row.label:
        doc["label"] = row.label
    doc["variants"] = [{"version": v.get("version"), "model": v["model"]} for v in row.variants]
    doc["repeats"] = row.repeats
    doc["status"] = row.status
    doc["rows"] = [
        {
            key: value
            for key, value in (
                ("variables", snapshot.get("variables") or {}),
                ("expected", snapshot.get("expected")),
                ("assertions", snapshot.get("assertions") or None),
            )
            if value is not None
        }
        for snapshot in row.rows
    ]
    doc["assertions"] = row.assertions
    if row.threshold is not None:
        doc["threshold"] = row.threshold
    doc["createdAt"] = iso(row.created_at)
    if row.finished_at is not None:
        doc["finishedAt"] = iso(row.finished_at)
    return doc


def summary_docs(variants: list[dict[str, Any]], cells: Sequence[CellFacts]) -> list[Any]:
    """The summary the API shows, from the cells' facts (they have every attribute
    `summarise` reads; it reads only the evaluation's variants)."""
    evaluation = cast("Evaluation", SimpleNamespace(variants=variants))
    found = summarise(evaluation, cast("Sequence[EvaluationCell]", cells))
    return [item.model_dump(by_alias=True, mode="json") for item in found]


async def evaluation_chunks(factory: SessionFactory, scope: ExportScope) -> AsyncIterator[str]:
    """The items of the `evaluations` list as JSON text (comma-separated), a page of
    cells to a chunk."""
    ids = sorted(scope.prompt_ids) if scope.prompt_ids is not None else None
    after = 0
    first = True
    while True:
        async with unit_of_work(factory) as session:
            page = await Storage(session).evaluation_page(
                scope.workspace_id, ids, after, EVALUATION_PAGE
            )
        if not page:
            return
        after = page[-1].id
        for evaluation in page:
            yield ("" if first else ",\n") + _dumps(head_doc(evaluation))[:-1] + ',"cells":['
            first = False
            kept: list[CellFacts] = []
            cell_after = 0
            first_cell = True
            while True:
                async with unit_of_work(factory) as session:
                    cells = await Storage(session).evaluation_cell_page(
                        evaluation.id, cell_after, CELL_PAGE
                    )
                if not cells:
                    break
                cell_after = cells[-1].id
                kept.extend(facts(cell) for cell in cells)
                text = ",\n".join(_dumps(cell_doc(cell)) for cell in cells)
                yield ("" if first_cell else ",\n") + text
                first_cell = False
            yield '],"summary":' + _dumps(summary_docs(evaluation.variants, kept)) + "}"
