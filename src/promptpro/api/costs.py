"""What runs cost: estimates before a run, monthly budgets, and spending."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, RunServiceDep, StorageDep
from promptpro.schemas.costs import (
    BudgetRead,
    BudgetUpdate,
    EstimateCreate,
    EstimateRead,
    UsageGroup,
    UsageRead,
)
from promptpro.services import budgets, usage

router = APIRouter(tags=["costs"])

PromptId = Annotated[int, Path(description="The prompt's id.")]
WorkspaceId = Annotated[int, Path(description="The workspace's id.")]


@router.post(
    "/prompts/{prompt_id}/estimate",
    response_model=EstimateRead,
    summary="Estimate the cost of the prompt's next run",
    description="Input tokens from the provider's own count endpoint (Anthropic, Gemini), "
    "OpenAI's tokenizer (OpenAI models), or four characters a token (`method` says which); "
    "output tokens are the run's `maxTokens`, else 500.",
    responses=problem_responses(401, 404, 413, 422),
)
async def estimate(prompt_id: PromptId, body: EstimateCreate, runs: RunServiceDep) -> EstimateRead:
    """The estimate; nothing is stored and no answer is asked for."""
    found = await runs.estimate(
        prompt_id, model=body.model, variables=body.variables, parameters=body.parameters
    )
    return EstimateRead(
        input_tokens=found.input_tokens,
        output_tokens=found.output_tokens,
        cost_usd=found.cost_usd,
        method=found.method,
    )


@router.put(
    "/admin/users/{user_id}/budget",
    response_model=BudgetRead,
    summary="Set or clear a user's monthly budget",
    description="Only the instance admin. A run whose estimate would take the user's spending "
    "this month (UTC) past it is refused with 402 `/problems/budget-exceeded`.",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def set_user_budget(
    user_id: str, body: BudgetUpdate, storage: StorageDep, user: CurrentUser
) -> BudgetRead:
    """The budget as set, and what the user has spent this month."""
    return await budgets.set_user_budget(storage, user, user_id, body.monthly_usd)


@router.put(
    "/workspaces/{workspace_id}/budget",
    response_model=BudgetRead,
    summary="Set or clear a workspace's monthly budget",
    description="Owners and admins of the workspace. A run of its prompts whose estimate "
    "would take its spending this month (UTC) past it is refused with 402 "
    "`/problems/budget-exceeded`.",
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def set_workspace_budget(
    workspace_id: WorkspaceId, body: BudgetUpdate, storage: StorageDep, user: CurrentUser
) -> BudgetRead:
    """The budget as set, and what the workspace has spent this month."""
    return await budgets.set_workspace_budget(storage, user.id, workspace_id, body.monthly_usd)


@router.get(
    "/usage",
    response_model=UsageRead,
    summary="Spending per user, workspace, model or day",
    description="Your own runs and those in the workspaces you administer; the instance "
    "admin sees every run. `from` and `to` are days (UTC, inclusive; default: this month).",
    responses=problem_responses(401, 422),
)
async def get_usage(
    storage: StorageDep,
    user: CurrentUser,
    group_by: Annotated[UsageGroup, Query(alias="groupBy")] = "model",
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> UsageRead:
    """The usage table."""
    return await usage.usage(storage, user, group_by=group_by, start=start, end=end)
