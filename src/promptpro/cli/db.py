"""`promptpro db`: apply, revert and inspect schema migrations."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from promptpro.cli.common import admin_settings
from promptpro.db import migrate
from promptpro.services import jobs

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    settings = admin_settings()
    url = settings.database_url
    asyncio.run(migrate.upgrade(url, revision))
    typer.echo(f"Database at {asyncio.run(migrate.current_revision(url))}.")
    if not settings.is_sqlite and asyncio.run(jobs.apply_job_schema(url)):
        # The job queue `promptpro worker` takes evaluations from (services/jobs.py).
        typer.echo("Job queue schema (procrastinate) applied.")


@app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="a revision, or 'base'")]) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    url = admin_settings().database_url
    asyncio.run(migrate.downgrade(url, revision))
    typer.echo(f"Database at {asyncio.run(migrate.current_revision(url)) or 'base'}.")


@app.command()
def current() -> None:
    """Print the database's revision and the newest one the code knows."""
    url = admin_settings().database_url
    revision = asyncio.run(migrate.current_revision(url))
    head = migrate.head_revision()
    state = "up to date" if revision == head else "needs `promptpro db upgrade`"
    typer.echo(f"Database at {revision or 'base'}; code at {head} ({state}).")


@app.command()
def revision(message: Annotated[str, typer.Option("--message", "-m")]) -> None:
    """Write a new migration from the models (for developers)."""
    asyncio.run(migrate.autogenerate(admin_settings().database_url, message))
