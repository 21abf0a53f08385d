"""`promptpro audit`: retention of the audit log (the only way an event is ever deleted)."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import typer

from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.errors import Invalid
from promptpro.services import audit
from promptpro.storage import Storage

app = typer.Typer(help="Manage the audit log.", no_args_is_help=True)


async def _prune(settings: Settings, age: timedelta) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            return await audit.prune(Storage(session), age)
    finally:
        await engine.dispose()


@app.command()
def prune(
    older_than: str = typer.Option(
        ..., "--older-than", help="Delete events older than this: 365d, 12h or 30m."
    ),
) -> None:
    """Delete audit events older than the given age."""
    try:
        age = audit.parse_age(older_than)
    except Invalid as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(2)
    deleted = asyncio.run(_prune(get_settings(), age))
    typer.echo(f"Deleted {deleted} audit event{'s' if deleted != 1 else ''}.")
