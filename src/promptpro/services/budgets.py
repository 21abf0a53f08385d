"""Monthly budgets in USD, per user and per workspace: set, read, and checked before a run.

A run (or compare, or re-run) is admitted in `RunService` once planned and before any
provider call: when its estimate (services/estimates.py, local counts only) would take this
calendar month's (UTC) spending past the runner's budget or the prompt's workspace's, it is
refused with `BudgetExceeded` (402 `/problems/budget-exceeded`). Spending is the sum of the
recorded costs of runs since the month began, plus the estimates of this process's runs
still in flight (`RunRegistry.in_flight_usd`: held from launch to end, so a burst of runs
can't each pass on the same unspent budget); runs on models without a price count nothing
(their cost is unknown). Another process's runs in flight count once they are recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from promptpro.db.models import User
from promptpro.db.types import utcnow
from promptpro.errors import BudgetExceeded, NotFound
from promptpro.schemas.costs import BudgetRead
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.estimates import local_estimate
from promptpro.services.run_plans import RunPlan
from promptpro.services.run_registry import RunRegistry
from promptpro.services.workspaces import require_in
from promptpro.storage import Storage
from promptpro.storage.run_records import RunRecords


def month_start(now: datetime | None = None) -> datetime:
    """Midnight UTC on the first of this month: where a monthly budget starts counting."""
    now = now or utcnow()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:,.4f}"


async def admit_spending(
    records: RunRecords, registry: RunRegistry, plans: list[RunPlan]
) -> list[RunPlan]:
    """The plans, each with its estimate to hold while it runs; BudgetExceeded when their
    estimate would pass a monthly budget, counting what was spent and the runs in flight.

    Costs nothing when no budget applies: the budgets come with the run's context query.
    """
    if not any(plan.budget_scopes() for plan in plans):
        return plans
    costs = [(await local_estimate(plan)).cost_usd or 0.0 for plan in plans]
    # A model without a price can't be counted against a budget. Once admitted, nothing is
    # awaited until the runs are launched (and hold their estimates in the registry).
    await admit_estimate(records, plans, sum(costs), registry)
    return [replace(plan, estimate_usd=cost) for plan, cost in zip(plans, costs, strict=True)]


async def admit_estimate(
    records: RunRecords,
    plans: list[RunPlan],
    estimate: float,
    registry: RunRegistry | None = None,
) -> None:
    """Refuse (BudgetExceeded) work estimated at `estimate` USD, to run as these plans do
    (their runner and workspace), when it would pass a monthly budget, counting what was
    spent and (given the registry) this process's runs in flight: an evaluation checks its
    whole matrix's estimate this way before it starts."""
    scopes = {scope for plan in plans for scope in plan.budget_scopes()}
    if not scopes:
        return
    since = month_start()
    spent: dict[tuple[str, str], float] = {}
    for scope, scope_id in sorted(scopes):
        if scope == "user":
            spent[scope, scope_id] = await records.spent_by_user(scope_id, since)
        else:
            spent[scope, scope_id] = await records.spent_in_workspace(int(scope_id), since)
    # The runs in flight are read after the last await: all there are in this process
    # (another process's count once recorded).
    for plan in plans:
        for scope, scope_id in plan.budget_scopes():
            monthly = plan.user_budget_usd if scope == "user" else plan.workspace_budget_usd
            assert monthly is not None
            in_flight = registry.in_flight_usd(scope, scope_id) if registry else 0.0
            used = spent[scope, scope_id] + in_flight
            if used + estimate > monthly:
                whose = "your" if scope == "user" else "this workspace's"
                raise BudgetExceeded(
                    f"This run would pass {whose} monthly budget of {_usd(monthly)}: "
                    f"{_usd(used)} spent this month (runs in progress included), and the "
                    f"run is estimated at {_usd(estimate)}.",
                    scope=scope,
                    scope_id=scope_id,
                    monthly_usd=monthly,
                    spent_usd=round(used, 10),
                    estimate_usd=round(estimate, 10),
                )


async def set_user_budget(
    storage: Storage, actor: User, user_id: str, monthly_usd: float | None
) -> BudgetRead:
    """The instance admin sets (or, with None, clears) a user's monthly budget."""
    permissions.require(actor, "admin.users.write")
    user = await storage.get_user(user_id)
    if user is None:
        raise NotFound("No such user.")
    await storage.set_user_budget(user, monthly_usd)
    await audit.record(
        storage,
        Action.BUDGET_SET,
        f"monthly budget of user {user_id} set to {monthly_usd}",
        actor_id=actor.id,
        object_type="user",
        object_id=user_id,
    )
    spent = await storage.spent_by_user(user_id, month_start())
    return BudgetRead(monthly_usd=monthly_usd, spent_usd=spent)


async def set_workspace_budget(
    storage: Storage, actor_id: str, workspace_id: int, monthly_usd: float | None
) -> BudgetRead:
    """A workspace's owner or admin sets (or clears) its monthly budget."""
    await require_in(storage, actor_id, workspace_id, "workspace.budget")
    found = await storage.get_membership(actor_id, workspace_id)
    if found is None:  # pragma: no cover  (require_in found it a moment ago)
        raise NotFound("No such workspace.")
    await storage.set_workspace_budget(found[0], monthly_usd)
    await audit.record(
        storage,
        Action.BUDGET_SET,
        f"monthly budget of workspace {workspace_id} set to {monthly_usd}",
        actor_id=actor_id,
        object_type="workspace",
        object_id=str(workspace_id),
        workspace_id=workspace_id,
    )
    spent = await storage.spent_in_workspace(workspace_id, month_start())
    return BudgetRead(monthly_usd=monthly_usd, spent_usd=spent)
