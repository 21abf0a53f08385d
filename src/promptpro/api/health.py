"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from promptpro.api.problems import problem
from promptpro.db.engine import ping

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

READINESS_TIMEOUT_S = 3.0


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    """Always 200 while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers",
    responses={503: {"description": "The database is unreachable"}},
)
async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers a query, else a 503 problem."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_S):
            await ping(request.app.state.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness check failed: %s", type(exc).__name__)
        return problem(503, "The database is unreachable.", slug="database-unavailable")
    return JSONResponse({"status": "ok"})
