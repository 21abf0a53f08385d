"""Evaluations on the wire: the matrix asked for, progress, per-variant summaries, cells,
comparisons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from promptpro.schemas.base import ModelId, NotBoolean, ReadSchema, WriteSchema
from promptpro.schemas.names import LabelName
from promptpro.schemas.pages import PageRead

MAX_MODELS = 6
MAX_VERSIONS = 4
MAX_REPEATS = 20

CELL_STATUSES = ("pending", "running", "passed", "failed", "errored", "cancelled")
CellStatusName = Literal["pending", "running", "passed", "failed", "errored", "cancelled"]


class EvaluationCreate(WriteSchema):
    """A prompt (as it is, a version, or a label) on 1-6 models, or 2-4 versions on one
    model; times the set's rows; times 1-20 repeats."""

    test_set_id: Annotated[int, NotBoolean]
    prompt_id: Annotated[int, NotBoolean]
    label: LabelName | None = None
    versions: list[Annotated[int, Field(ge=1), NotBoolean]] | None = Field(
        default=None,
        description="1 version (on 1-6 models) or 2-4 versions (on one model).",
    )
    models: list[ModelId] = Field(description="1-6 models (one when comparing versions).")
    repeats: Annotated[int, Field(ge=1, le=MAX_REPEATS), NotBoolean] = 1
    confirm_cost_usd: Annotated[float, Field(ge=0), NotBoolean] | None = Field(
        default=None,
        description="The most you accept it to cost; a larger estimate is refused (409).",
    )

    @model_validator(mode="after")
    def _shape(self) -> EvaluationCreate:
        if self.label is not None and self.versions is not None:
            raise ValueError("give a label or versions, not both")
        if not 1 <= len(self.models) <= MAX_MODELS:
            raise ValueError(f"choose 1 to {MAX_MODELS} models")
        if len(set(self.models)) != len(self.models):
            raise ValueError("a model is listed twice")
        versions = self.versions
        if versions is not None:
            if not 1 <= len(versions) <= MAX_VERSIONS:
                raise ValueError(f"choose 1 to {MAX_VERSIONS} versions")
            if len(set(versions)) != len(versions):
                raise ValueError("a version is listed twice")
            if len(versions) > 1 and len(self.models) != 1:
                raise ValueError("versions are compared on one model")
        return self


class EstimateRead(ReadSchema):
    """What an evaluation is expected to cost, before it runs (USD; null: no price known)."""

    cells: int
    input_tokens: int
    output_tokens: int
    run_cost_usd: float | None
    judge_cost_usd: float | None
    cost_usd: float | None
    unpriced_models: list[str] = Field(default_factory=list)


class EvaluationCreated(ReadSchema):
    """The evaluation, queued: its id and estimate."""

    id: int
    estimate: EstimateRead


class VariantSummary(ReadSchema):
    """One column's results."""

    variant: int
    version: int | None
    model: str
    cells: int
    finished: int
    passed: int
    failed: int
    errored: int
    pass_rate: float | None = Field(description="passed / (passed + failed + errored).")
    latency_p50_ms: float | None
    latency_p90_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    judge_cost_usd: float
    thumbs_up: int
    thumbs_down: int
    # Over rows run more than once: how many distinct outputs a row gave, on average.
    distinct_outputs: float | None
    # Rows whose repeats disagreed (some passed, some not).
    unstable_rows: int


class EvaluationRead(ReadSchema):
    """An evaluation: its matrix, status, progress and per-variant summary."""

    id: int
    workspace_id: int
    test_set_id: int | None
    prompt_id: int
    label: str | None
    variants: list[dict[str, Any]]
    models: list[str]
    repeats: int
    status: str
    estimate: dict[str, Any]
    row_count: int
    cell_count: int
    progress: dict[str, int] = Field(description="Cells in each status.")
    summary: list[VariantSummary] = Field(default_factory=list)
    created_by: str
    created_at: datetime
    finished_at: datetime | None


class EvaluationListItem(ReadSchema):
    """An evaluation in a list (no summary)."""

    id: int
    workspace_id: int
    test_set_id: int | None
    prompt_id: int
    label: str | None
    models: list[str]
    repeats: int
    status: str
    cell_count: int
    created_at: datetime


class CellRead(ReadSchema):
    """One cell: where it is, what it answered and how each assertion judged it."""

    id: int
    evaluation_id: int
    row_index: int
    row_id: int
    variant: int
    repeat: int
    status: str
    attempts: int
    response_id: int | None
    output: str | None
    assertion_results: list[dict[str, Any]] | None
    score: float | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    judge_cost_usd: float | None
    error: dict[str, Any] | None
    rating: int | None
    rating_note: str | None
    finished_at: datetime | None


class CellPage(PageRead[CellRead]):
    """A page of cells, in matrix order."""


class RowChange(ReadSchema):
    """One row and variant whose outcome differs between the baseline and the candidate."""

    row_index: int
    row_id: int
    variant: int
    baseline_pass_rate: float | None
    candidate_pass_rate: float | None
    change: Literal["regression", "fix"]


class VariantDelta(ReadSchema):
    """How a column's summary moved from the baseline to the candidate."""

    variant: int
    pass_rate: float | None
    latency_p50_ms: float | None
    cost_usd: float | None


class ComparisonRead(ReadSchema):
    """The evaluation (candidate) against another of the same test set (baseline)."""

    baseline_id: int
    candidate_id: int
    regressions: list[RowChange]
    fixes: list[RowChange]
    deltas: list[VariantDelta]
