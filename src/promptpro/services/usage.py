"""Spending per user, workspace, model or day, scoped to what the reader may see: the
instance admin everything; anyone else their own runs and the workspaces they administer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from promptpro.db.models import User
from promptpro.db.types import utcnow
from promptpro.errors import Invalid
from promptpro.schemas.costs import UsageGroup, UsageRead, UsageRow
from promptpro.services import permissions
from promptpro.storage import Storage

MAX_DAYS = 366


async def usage(
    storage: Storage,
    actor: User,
    *,
    group_by: UsageGroup,
    start: date | None,
    end: date | None,
) -> UsageRead:
    """The usage table from `start` to `end` (days, inclusive; default: this month so far)."""
    today = utcnow().date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise Invalid("`from` must not be after `to`.", field="from")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"At most {MAX_DAYS} days at a time.", field="to")
    everyone = permissions.allowed(actor, "admin.usage.read")
    admin_of = [] if everyone else await storage.administered_workspaces(actor.id)
    rows = await storage.usage(
        group_by=group_by,
        start=datetime.combine(start, time(), UTC),
        end=datetime.combine(end + timedelta(days=1), time(), UTC),
        everyone=everyone,
        user_id=actor.id,
        admin_of=admin_of,
    )
    return UsageRead(
        from_=start,
        to=end,
        group_by=group_by,
        scope="everyone" if everyone else "own-and-administered",
        total_usd=round(sum(row["cost_usd"] for row in rows), 10),
        rows=[UsageRow(**row) for row in rows],
    )
