"""`promptpro backup FILE` and `promptpro restore FILE`: the SQLite database, copied safely."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from promptpro.cli.common import admin_settings
from promptpro.db import backup as backups
from promptpro.db.engine import display_url
from promptpro.errors import ConfigurationError

POSTGRES_HINT = (
    "On PostgreSQL use its own tools: `pg_dump --format=custom --file=promptpro.dump "
    '"$DATABASE_URL"`, and `pg_restore --clean --if-exists --dbname="$DATABASE_URL" '
    "promptpro.dump` with the servers stopped (see the README)."
)


def _database(*, missing_ok: bool = False) -> tuple[Path, int]:
    """The SQLite file the server uses, and how many automatic backups to keep."""
    settings = admin_settings(missing_ok=missing_ok)
    path = backups.sqlite_file(settings.database_url)
    if path is None:
        raise ConfigurationError(
            f"The database at {display_url(settings.database_url)} is not SQLite. " + POSTGRES_HINT
        )
    return path, settings.backups_kept


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (a new file).")],
) -> None:
    """Write a consistent copy of the SQLite database to FILE, even while the server runs."""
    database, _ = _database()
    if file.exists():
        raise ConfigurationError(f"{file} exists already: name a new file.")
    backups.copy_database(database, file)
    revision = backups.promptpro_revision(file)
    typer.echo(f"Copied {database} (revision {revision or 'base'}) to {file}.")


def restore(
    file: Annotated[Path, typer.Argument(help="A copy made by `promptpro backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask for confirmation.")] = False,
) -> None:
    """Replace the SQLite database's contents by FILE's (the server must be stopped)."""
    database, keep = _database(missing_ok=True)  # a lost database can be restored too
    revision = backups.promptpro_revision(file)  # refuses anything but a PromptPro database
    if backups.is_served(database):
        raise ConfigurationError(
            f"A PromptPro server is using {database}: stop it first, then restore."
        )
    if not yes:
        typer.confirm(
            f"Replace everything in {database} with {file} (revision {revision or 'base'})? "
            "Make sure no PromptPro server is running",
            abort=True,
        )
    before = ""
    if database.exists():
        saved = backups.set_aside(database, keep=keep)
        before = f"; what it held before is in {saved}"
    backups.restore(file, database)
    typer.echo(
        f"Restored {file} into {database}{before}. "
        "`promptpro serve` migrates it if it is from an older version."
    )
