"""`promptpro users`: the instance admin right, given and taken from the server's shell."""

from __future__ import annotations

import asyncio
import sys

import typer

from promptpro.config import Settings, get_settings
from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work
from promptpro.errors import Conflict, NotFound
from promptpro.services import admin
from promptpro.services.tokens import TokenCache
from promptpro.storage import Storage

app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)


async def _set_admin(settings: Settings, username: str, is_admin: bool) -> str:
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            # The servers' caches hear of it through NOTIFY (PostgreSQL) when this commits.
            user = await admin.change_user_by_name(
                Storage(session), username, cache=TokenCache(), is_admin=is_admin
            )
            return user.username
    finally:
        await engine.dispose()


def _run(username: str, is_admin: bool) -> None:
    try:
        name = asyncio.run(_set_admin(get_settings(), username, is_admin))
    except (NotFound, Conflict) as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(1)
    typer.echo(f"{name} is {'now' if is_admin else 'no longer'} an instance admin.")


@app.command()
def promote(username: str) -> None:
    """Make USERNAME an instance admin."""
    _run(username, True)


@app.command()
def demote(username: str) -> None:
    """Take the instance admin right from USERNAME (refused for the last active admin)."""
    _run(username, False)
