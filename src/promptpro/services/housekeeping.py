"""Housekeeping a running server does now and then: a background job, its own entry point."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
