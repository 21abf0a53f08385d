"""Housekeeping a running server does now and then: background jobs, entry points of their own.

Two loops: `tidy_periodically` (hourly: expired sessions, old sign-in failures, runs older
than any run can last) and `beat_periodically` (every few seconds: this worker process's
heartbeat, and failing the runs of workers whose heartbeat stopped: a killed process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from datetime import timedelta

from promptpro.config import Settings
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.db.types import utcnow
from promptpro.services.sessions import purge_expired
from promptpro.storage import Storage

log = logging.getLogger(__name__)

# A run still `running` this long after its longest possible life was lost with its process.
STALE_RUN_MARGIN = timedelta(minutes=1)


async def fail_stale_runs(storage: Storage, settings: Settings) -> int:
    """Mark as failed the runs whose worker process died before storing their end."""
    longest = timedelta(seconds=settings.first_token_timeout + settings.run_timeout)
    return await storage.fail_stale_runs(utcnow() - longest - STALE_RUN_MARGIN)


async def tidy(factory: SessionFactory, settings: Settings) -> None:
    """Purge expired sessions and old sign-in failures; fail runs lost with their process."""
    async with unit_of_work(factory) as session:
        storage = Storage(session)
        purged = await purge_expired(storage, settings)
        stale = await fail_stale_runs(storage, settings)
    if purged.sessions or purged.login_failures or stale:
        log.info(
            "purged %d expired sessions and %d old sign-in failures; %d lost runs marked failed",
            purged.sessions,
            purged.login_failures,
            stale,
        )


async def tidy_periodically(
    factory: SessionFactory, settings: Settings, stop: asyncio.Event
) -> None:
    """`tidy` every `session_purge_minutes` until `stop` is set.

    A round under way when the server stops finishes first: cancelled in the middle, it
    would leave a statement (or a connection being opened) running with nobody to close it.
    """
    while not stop.is_set():
        try:
            await tidy(factory, settings)
        except Exception as exc:  # one failed round must not stop the next
            log.warning("housekeeping failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settings.session_purge_minutes * 60):
                await stop.wait()


def new_worker_id() -> str:
    """A name for this worker process, unique across hosts and restarts (at most 64 chars)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


async def beat(factory: SessionFactory, settings: Settings, worker_id: str) -> int:
    """Say this worker is alive; fail the runs of workers silent for too long (how many)."""
    now = utcnow()
    async with unit_of_work(factory) as session:
        await Storage(session).beat(worker_id, now)
    async with unit_of_work(factory) as session:
        dead_before = now - timedelta(seconds=settings.worker_dead_after_seconds)
        failed = await Storage(session).fail_orphaned_runs(dead_before)
    if failed:
        log.warning("%d run(s) of a worker process that stopped marked failed", failed)
    return failed


async def beat_periodically(
    factory: SessionFactory, settings: Settings, worker_id: str, stop: asyncio.Event
) -> None:
    """`beat` every `worker_heartbeat_seconds` until `stop` is set, the first one period
    after the start (whoever starts it has just beaten, before taking any run).

    Like `tidy_periodically`, it is asked to stop rather than cancelled.
    """
    while True:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settings.worker_heartbeat_seconds):
                await stop.wait()
        if stop.is_set():
            return
        try:
            await beat(factory, settings, worker_id)
        except Exception as exc:  # e.g. the database is away: the next beat tries again
            log.warning("heartbeat failed: %s", type(exc).__name__)


async def forget_worker(factory: SessionFactory, worker_id: str) -> None:
    """Remove this worker's heartbeat at a clean stop (its runs are stored by then)."""
    async with unit_of_work(factory) as session:
        await Storage(session).forget_worker(worker_id)
