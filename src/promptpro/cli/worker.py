"""`promptpro worker`: a process that runs evaluation cells taken from PostgreSQL.

Any number of them, on any machine that reaches the database. Each takes procrastinate jobs
("drive evaluation N", services/jobs.py) and runs their cells through the same run path as
the server (services/evaluation_engine.py); it beats a heartbeat like a server process, so
its runs' records are vouched for, and sweeps for cells a dead worker left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

import typer

from promptpro.cli.common import admin_settings
from promptpro.config import Settings
from promptpro.db import migrate
from promptpro.db.engine import create_engine, display_url
from promptpro.db.session import create_session_factory
from promptpro.errors import ConfigurationError
from promptpro.logs import configure_logging
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.security.vault import Vault
from promptpro.services import jobs
from promptpro.services.evaluation_engine import EvaluationEngine
from promptpro.services.housekeeping import beat, beat_periodically, forget_worker, new_worker_id
from promptpro.storage.run_records import RunRecords

log = logging.getLogger(__name__)


async def run_worker(settings: Settings, *, evaluations_at_once: int) -> None:
    """Take evaluation jobs until stopped (SIGINT / SIGTERM: the jobs under way finish)."""
    url = settings.database_url
    if settings.is_sqlite:
        raise ConfigurationError(
            "`promptpro worker` needs PostgreSQL; with SQLite the server runs evaluations itself."
        )
    if await migrate.current_revision(url) != migrate.head_revision():
        raise ConfigurationError("The database schema is outdated: run `promptpro db upgrade`.")
    queue_app = jobs.make_app(url, pool_size=evaluations_at_once + 2)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    providers = ProviderRegistry(ProviderConfig.from_settings(settings))
    worker_id = new_worker_id()
    evaluations = EvaluationEngine(
        factory,
        RunRecords(engine),
        Vault.from_settings(settings),
        lambda: providers,
        settings,
        worker_id,
    )
    jobs.use_engine(evaluations)
    stop = asyncio.Event()
    try:
        async with queue_app.open_async():
            if not await jobs.has_job_schema(queue_app):
                raise ConfigurationError(
                    "The job queue's tables are missing: run `promptpro db upgrade`."
                )
            await beat(factory, settings, worker_id)
            dispatch = jobs.QueueDispatch(url, settings.evaluation_jobs_per_evaluation, queue_app)
            side = [
                asyncio.create_task(beat_periodically(factory, settings, worker_id, stop)),
                asyncio.create_task(evaluations.sweep_periodically(dispatch.nudge, stop)),
            ]
            log.info("PromptPro worker %s on %s", worker_id, display_url(url))
            try:
                await queue_app.run_worker_async(
                    queues=[jobs.QUEUE],
                    name=worker_id,
                    concurrency=evaluations_at_once,
                    fetch_job_polling_interval=1.0,
                    install_signal_handlers=True,
                    delete_jobs="always",
                )
            finally:
                stop.set()
                await asyncio.gather(*side, return_exceptions=True)
                await evaluations.executor.registry.shutdown()
    finally:
        jobs.use_engine(None)
        with contextlib.suppress(Exception):
            await forget_worker(factory, worker_id)
        await providers.aclose()
        await engine.dispose()


def worker(
    evaluations: Annotated[
        int, typer.Option(min=1, help="Evaluations driven at once (cells: the settings).")
    ] = 4,
) -> None:
    """Run evaluation cells from the PostgreSQL job queue (any number of these)."""
    settings = admin_settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings, evaluations_at_once=evaluations))
