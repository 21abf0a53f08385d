"""Estimates, budgets and spending on the wire."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from promptpro.schemas.base import ModelId, ReadSchema, WriteSchema
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.runs import Variables

MAX_BUDGET_USD = 1_000_000_000.0
UsageGroup = Literal["user", "workspace", "model", "day"]


class EstimateCreate(WriteSchema):
    """What to estimate: the prompt's next run on `model` (default: its own) with these inputs.

    Variables not given count as empty."""

    model: ModelId | None = None
    parameters: PromptParameters | None = None
    variables: Variables = Field(default_factory=dict)


class EstimateRead(ReadSchema):
    """A run's expected tokens and cost before it runs."""

    input_tokens: int = Field(description="The prompt's tokens, counted as `method` says.")
    output_tokens: int = Field(
        description="The answer's: its `maxTokens` when set (the most it may cost), else 500."
    )
    cost_usd: float | None = Field(description="At the catalogue's prices; null: no price.")
    method: Literal["provider", "tokenizer", "heuristic"] = Field(
        description="`provider`: the provider's own token-count endpoint (Anthropic, Gemini); "
        "`tokenizer`: OpenAI's tokenizer; `heuristic`: an estimate at four characters a token."
    )


class BudgetUpdate(WriteSchema):
    """A monthly budget in USD (calendar month, UTC); null clears it."""

    monthly_usd: float | None = Field(ge=0, le=MAX_BUDGET_USD, allow_inf_nan=False)


class BudgetRead(ReadSchema):
    """A budget and this month's spending against it."""

    monthly_usd: float | None
    spent_usd: float = Field(description="What priced runs have cost since the month began.")


class UsageRow(ReadSchema):
    """One group's runs, tokens and cost."""

    key: str | None = Field(description="The user id, workspace id, model id or day (UTC).")
    runs: int
    input_tokens: int
    output_tokens: int
    cost_usd: float = Field(description="The priced runs' cost.")
    unpriced_runs: int = Field(description="Runs whose cost is unknown (no price).")


class UsageRead(ReadSchema):
    """Spending between two days (inclusive), grouped."""

    from_: date = Field(serialization_alias="from")
    to: date
    group_by: UsageGroup
    scope: Literal["everyone", "own-and-administered"]
    total_usd: float
    rows: list[UsageRow]
