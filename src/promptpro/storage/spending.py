"""Budgets and spending: set a user's or a workspace's monthly budget, and sum run costs by
user, workspace, model or day over what the reader may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promptpro.db.models import Prompt, Response, User, Workspace, WorkspaceMember
from promptpro.storage.base import StorageBase

GROUPS = ("user", "workspace", "model", "day")


class SpendingStorage(StorageBase):
    """Budgets and the usage table."""

    async def set_user_budget(self, user: User, monthly_usd: float | None) -> None:
        """Set (None: clear) a user's monthly budget."""
        user.monthly_budget_usd = monthly_usd
        await self._flush()

    async def set_workspace_budget(self, workspace: Workspace, monthly_usd: float | None) -> None:
        """Set (None: clear) a workspace's monthly budget."""
        workspace.monthly_budget_usd = monthly_usd
        await self._flush()

    async def spent_by_user(self, user_id: str, since: datetime) -> float:
        """What the user's priced runs since `since` cost."""
        query = sa.select(sa.func.coalesce(sa.func.sum(Response.cost_usd), 0.0)).where(
            Response.run_by_id == user_id, Response.created_at >= since
        )
        spent: float | None = await self._scalar(query)
        return float(spent or 0.0)

    async def spent_in_workspace(self, workspace_id: int, since: datetime) -> float:
        """What priced runs of the workspace's prompts since `since` cost."""
        query = (
            sa.select(sa.func.coalesce(sa.func.sum(Response.cost_usd), 0.0))
            .join(Prompt, Prompt.id == Response.prompt_id)
            .where(Prompt.workspace_id == workspace_id, Response.created_at >= since)
        )
        spent: float | None = await self._scalar(query)
        return float(spent or 0.0)

    async def usage(
        self,
        *,
        group_by: str,
        start: datetime,
        end: datetime,
        everyone: bool,
        user_id: str,
        admin_of: list[int],
    ) -> list[dict[str, Any]]:
        """Runs, tokens and cost between `start` and `end`, one row per group.

        `everyone` (the instance admin) sees all runs; anyone else their own runs and the
        runs in the workspaces they administer (`admin_of`).
        """
        if group_by == "user":
            key: Any = Response.run_by_id
        elif group_by == "workspace":
            key = Prompt.workspace_id
        elif group_by == "model":
            key = Response.model
        elif self.session.get_bind().dialect.name == "postgresql":
            # The UTC calendar day, whatever the session's time zone.
            utc = sa.func.timezone("UTC", Response.created_at)
            key = sa.func.to_char(utc, "YYYY-MM-DD")
        else:
            key = sa.func.substr(Response.created_at, 1, 10)  # SQLite stores naive UTC text
        query = (
            sa.select(
                key.label("key"),
                sa.func.count(Response.id),
                sa.func.coalesce(sa.func.sum(Response.input_tokens), 0),
                sa.func.coalesce(sa.func.sum(Response.output_tokens), 0),
                sa.func.coalesce(sa.func.sum(Response.cost_usd), 0.0),
                sa.func.count(Response.id).filter(
                    Response.cost_usd.is_(None), Response.status != "running"
                ),
            )
            .select_from(Response)
            .join(Prompt, Prompt.id == Response.prompt_id)
            .where(Response.created_at >= start, Response.created_at < end)
            .group_by(key)
            .order_by(key)
        )
        if not everyone:
            query = query.where(
                sa.or_(Response.run_by_id == user_id, Prompt.workspace_id.in_(admin_of))
            )
        rows = (await self._execute(query)).all()
        return [
            {
                "key": None if row[0] is None else str(row[0]),
                "runs": int(row[1]),
                "input_tokens": int(row[2]),
                "output_tokens": int(row[3]),
                "cost_usd": round(float(row[4]), 10),
                "unpriced_runs": int(row[5]),
            }
            for row in rows
        ]

    async def administered_workspaces(self, user_id: str) -> list[int]:
        """The workspaces where the user is an owner or admin."""
        query = sa.select(WorkspaceMember.workspace_id).where(
            WorkspaceMember.user_id == user_id, WorkspaceMember.role.in_(("owner", "admin"))
        )
        return list(await self._scalars(query))
