"""`promptpro sessions`: housekeeping of sign-in sessions."""

from __future__ import annotations

import asyncio

import typer

from promptpro.cli.common import admin_settings
from promptpro.config import Settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.services.sessions import Purged, purge_expired
from promptpro.storage import Storage

app = typer.Typer(help="Manage sign-in sessions.", no_args_is_help=True)


async def _purge(settings: Settings) -> Purged:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await purge_expired(Storage(session), settings)
    finally:
        await engine.dispose()


@app.command()
def purge() -> None:
    """Delete expired sessions (and sign-in failures too old to count)."""
    purged = asyncio.run(_purge(admin_settings()))
    typer.echo(
        f"Deleted {purged.sessions} expired session{'s' if purged.sessions != 1 else ''} "
        f"and {purged.login_failures} old sign-in failure"
        f"{'s' if purged.login_failures != 1 else ''}."
    )
