"""The `promptpro` command: one module per command group."""

from __future__ import annotations

import sys

import typer

from promptpro.cli import audit, db, keys, serve, sessions, users
from promptpro.errors import ConfigurationError

app = typer.Typer(
    name="promptpro",
    help="PromptPro: write, organise, run and keep AI prompts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(sessions.app, name="sessions")
app.add_typer(keys.app, name="keys")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")


def main() -> None:
    """Run the command line, turning configuration errors into one readable message."""
    try:
        app()
    except ConfigurationError as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(2)
