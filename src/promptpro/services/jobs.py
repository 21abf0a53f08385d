"""procrastinate, in one place: the App, its one task, the schema, and the dispatch that
queues evaluations for `promptpro worker` processes (PostgreSQL only).

procrastinate is an established PostgreSQL job queue (jobs are rows, taken with
`FOR UPDATE SKIP LOCKED`, woken by LISTEN/NOTIFY): no broker to run beside the database,
and any number of workers on any machine that reaches it. A job here only says "drive
evaluation N" (services/evaluation_engine.py); the cells stay the one truth, so a job lost
with a killed worker loses nothing: the engine's sweep queues the evaluation again once
the dead worker's cell leases expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

if TYPE_CHECKING:  # only `promptpro worker` has one; `db upgrade` needs only the schema
    from promptpro.services.evaluation_engine import EvaluationEngine

log = logging.getLogger(__name__)

QUEUE = "evaluations"
TASK = "promptpro.drive_evaluation"


class _Holder:
    """The engine of this worker process, which the task runs cells with."""

    engine: EvaluationEngine | None = None


def use_engine(engine: EvaluationEngine | None) -> None:
    """Make `engine` the one this process's jobs drive evaluations with."""
    _Holder.engine = engine


async def drive_evaluation(evaluation_id: int) -> None:
    """The job: drive the evaluation in this worker until no cell is left to take."""
    engine = _Holder.engine
    if engine is None:  # pragma: no cover  (only `promptpro worker` runs jobs)
        raise RuntimeError("no evaluation engine in this process")
    await engine.drive(evaluation_id)


def conninfo(database_url: str) -> str:
    """The libpq URL procrastinate's psycopg connector takes, from our SQLAlchemy one."""
    scheme, _, rest = database_url.partition("://")
    if not scheme.startswith("postgresql"):
        raise ValueError("procrastinate needs PostgreSQL")
    return f"postgresql://{rest}"


def make_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """The procrastinate App on the database, with its task registered."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=pool_size
    )
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE)(drive_evaluation)
    return app


async def has_job_schema(app: procrastinate.App) -> bool:
    """Whether procrastinate's tables are in the database."""
    rows = await app.connector.execute_query_one_async(
        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    )
    return bool(rows["present"])


async def apply_job_schema(database_url: str) -> bool:
    """Apply procrastinate's schema (the installed version's) unless present; whether applied.

    `promptpro db upgrade` calls it on PostgreSQL after the revisions.
    """
    app = make_app(database_url, pool_size=1)
    async with app.open_async():
        if await has_job_schema(app):
            return False
        await app.schema_manager.apply_schema_async()
        return True


class QueueDispatch:
    """Queues evaluations for the workers (the server runs no cell itself).

    Its procrastinate App is opened at the first evaluation, not at start: most requests
    never queue one, and a server process needs no extra connection pool for them.
    """

    def __init__(
        self, database_url: str, jobs_per_evaluation: int, app: procrastinate.App | None = None
    ) -> None:
        self.database_url = database_url
        self.jobs_per_evaluation = jobs_per_evaluation
        self._app = app
        self._opened = app is not None
        self._lock = asyncio.Lock()

    async def app(self) -> procrastinate.App:
        """The App, opened."""
        async with self._lock:
            if self._app is None:
                self._app = make_app(self.database_url)
            if not self._opened:
                await self._app.open_async()
                self._opened = True
            return self._app

    async def close(self) -> None:
        """Close the App's connections, if it was opened here."""
        if self._app is not None and self._opened:
            await self._app.close_async()
            self._opened = False

    async def kick(self, evaluation_id: int) -> None:
        """Queue jobs to drive a new or reopened evaluation: several, so that several
        workers share it."""
        task = (await self.app()).tasks[TASK]
        for _ in range(self.jobs_per_evaluation):
            await task.defer_async(evaluation_id=evaluation_id)

    async def nudge(self, evaluation_id: int) -> None:
        """Queue one job for an evaluation nobody drives, unless one is already waiting."""
        task = (await self.app()).tasks[TASK]
        with contextlib.suppress(AlreadyEnqueued):
            await task.configure(queueing_lock=f"evaluation-{evaluation_id}").defer_async(
                evaluation_id=evaluation_id
            )
