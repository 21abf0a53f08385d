"""What an evaluation will cost before it runs: rows x variants x repeats x estimated
tokens x prices, the llm-rubric judges' calls included.

Each variant's first row is estimated as any run is (services/estimates.local_estimate: the
tokenizer or characters / 4, never a provider call); the other rows scale its input tokens
by how much longer or shorter their variables make the prompt. A judge call is its
instructions, rubric, inputs and the answer (the variant's output estimate) in, and
JUDGE_OUTPUT_TOKENS out.
"""

from __future__ import annotations

from typing import Any

from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.types import Usage
from promptpro.schemas.evaluations import EstimateRead
from promptpro.services.estimates import local_estimate
from promptpro.services.judge import SYSTEM
from promptpro.services.run_plans import RunPlan

JUDGE_OUTPUT_TOKENS = 100
CHARS_PER_TOKEN = 4


def _chars(variables: dict[str, Any]) -> int:
    return sum(len(str(value)) for value in variables.values())


def _judge_tokens(assertion: dict[str, Any], row: dict[str, Any], answer_tokens: int) -> int:
    chars = len(SYSTEM) + len(str(assertion.get("rubric") or "")) + _chars(row["variables"])
    chars += len(row.get("expected") or "")
    return chars // CHARS_PER_TOKEN + answer_tokens + 20  # 20: the tags around the parts


async def estimate_matrix(
    plans: list[RunPlan],
    rows: list[dict[str, Any]],
    set_assertions: list[dict[str, Any]] | None,
    repeats: int,
) -> EstimateRead:
    """The estimate of running each plan's variant on every row, `repeats` times."""
    catalogue = get_catalogue()
    run_cost: float | None = 0.0
    judge_cost: float | None = 0.0
    input_total = output_total = 0
    unpriced: set[str] = set()
    first_chars = _chars(rows[0]["variables"])
    for plan in plans:
        base = await local_estimate(plan)
        fixed = max(len(plan.rendered_input) - first_chars, 0)
        for row in rows:
            length = fixed + _chars(row["variables"])
            tokens = max(1, round(base.input_tokens * length / max(len(plan.rendered_input), 1)))
            cost, _ = plan.cost_usd(catalogue, Usage(tokens, base.output_tokens))
            input_total += tokens * repeats
            output_total += base.output_tokens * repeats
            if cost is None:
                unpriced.add(plan.model)
            elif run_cost is not None:
                run_cost += cost * repeats
            for assertion in [*(set_assertions or []), *(row.get("assertions") or [])]:
                if assertion.get("type") != "llm-rubric":
                    continue
                judge = str(assertion.get("model"))
                judge_in = _judge_tokens(assertion, row, base.output_tokens)
                price = catalogue.cost_usd(judge, judge_in, JUDGE_OUTPUT_TOKENS)
                if price is None:
                    unpriced.add(judge)
                elif judge_cost is not None:
                    judge_cost += price * repeats
    if any(plan.model in unpriced for plan in plans):
        run_cost = None if run_cost == 0.0 else run_cost
    total = (run_cost or 0.0) + (judge_cost or 0.0)
    return EstimateRead(
        cells=len(rows) * len(plans) * repeats,
        input_tokens=input_total,
        output_tokens=output_total,
        run_cost_usd=None if run_cost is None else round(run_cost, 10),
        judge_cost_usd=None if judge_cost is None else round(judge_cost, 10),
        cost_usd=None if run_cost is None and not judge_cost else round(total, 10),
        unpriced_models=sorted(unpriced),
    )
