"""The usage page: spending per user, workspace, model or day, as GET /api/v1/usage."""

from __future__ import annotations

from datetime import date
from typing import get_args

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Invalid
from promptpro.schemas.costs import UsageGroup
from promptpro.services import usage
from promptpro.web.pages.common import PageAuth, page

router = APIRouter()

GROUP_LABELS = {"model": "Model", "user": "User", "workspace": "Workspace", "day": "Day"}


def _day(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{raw!r} is not a day (YYYY-MM-DD).", field=field) from None


@router.get("/settings/usage")
async def usage_page(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The usage table, grouped as asked (by model unless said otherwise)."""
    query = request.query_params
    raw_group = query.get("groupBy", "model")
    group: UsageGroup = raw_group if raw_group in get_args(UsageGroup) else "model"  # type: ignore[assignment]
    error, table = None, None
    try:
        table = await usage.usage(
            storage,
            auth.user,
            group_by=group,
            start=_day(query.get("from", ""), "from"),
            end=_day(query.get("to", ""), "to"),
        )
    except Invalid as exc:
        error = exc.detail
    return page(
        request,
        "settings/usage.html",
        auth,
        table=table,
        error=error,
        group=group,
        groups=list(GROUP_LABELS.items()),
        group_label=GROUP_LABELS[group],
        start=query.get("from", ""),
        end=query.get("to", ""),
    )
