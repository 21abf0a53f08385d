"""A newer model catalogue without a release: `promptpro models update FILE` checks it and
stores it in the database (`instance_settings`, key `model_catalogue`); every server process
reads it at start and every `PROMPTPRO_CATALOGUE_REFRESH_SECONDS`, and puts it in effect.

A stored catalogue older than the one shipped with the running release (after an upgrade)
is ignored: the newer prices win.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Conflict, PromptProError
from promptpro.providers.catalogue import (
    Catalogue,
    get_catalogue,
    install_catalogue,
    shipped_catalogue,
)
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.storage import Storage

log = logging.getLogger(__name__)

CATALOGUE_KEY = "model_catalogue"


async def update_catalogue(storage: Storage, text: str, *, force: bool = False) -> Catalogue:
    """Check a catalogue file and store it for every process (Invalid if malformed).

    One older than the catalogue in effect is refused (Conflict on `as_of`) unless `force`.
    """
    catalogue = Catalogue.parse(text)
    current = await stored_catalogue(storage) or shipped_catalogue()
    if catalogue.as_of < current.as_of and not force:
        raise Conflict(
            f"This catalogue ({catalogue.as_of}) is older than the one in effect "
            f"({current.as_of}); use --force to load it anyway.",
            field="as_of",
        )
    await storage.set_instance_setting(CATALOGUE_KEY, text)
    await audit.record(
        storage,
        Action.CATALOGUE_UPDATED,
        f"model catalogue of {catalogue.as_of} loaded ({len(catalogue.models())} models)",
        actor_id=None,  # the server's shell
    )
    install_catalogue(catalogue)  # this process at once; the others at their next refresh
    return catalogue


async def stored_catalogue(storage: Storage) -> Catalogue | None:
    """The catalogue stored by `models update`, if any (a damaged one is logged, ignored)."""
    text = await storage.get_instance_setting(CATALOGUE_KEY)
    if text is None:
        return None
    try:
        return Catalogue.parse(text)
    except PromptProError as exc:
        log.error("the stored model catalogue is unusable, using the shipped one: %s", exc.detail)
        return None


class CatalogueRefresher:
    """Keeps this process's catalogue in step with the stored one (parsed only on change)."""

    def __init__(self, factory: SessionFactory) -> None:
        self.factory = factory
        self._seen: str | None = None

    async def refresh(self) -> Catalogue:
        """Read the stored catalogue and put it (or the shipped one) in effect."""
        async with unit_of_work(self.factory) as session:
            storage = Storage(session)
            text = await storage.get_instance_setting(CATALOGUE_KEY)
            if text == self._seen:
                return get_catalogue()
            stored = await stored_catalogue(storage)
        self._seen = text
        shipped = shipped_catalogue()
        install_catalogue(stored if stored is not None and stored.as_of >= shipped.as_of else None)
        return get_catalogue()

    async def run(self, every: float, stop: asyncio.Event) -> None:
        """`refresh` every `every` seconds until `stop` is set (asked to stop, not cancelled)."""
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # the database is away: the next round tries again
                log.warning("model catalogue refresh failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(every):
                    await stop.wait()
