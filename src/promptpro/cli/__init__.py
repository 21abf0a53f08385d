"""The `promptpro` command: one module per command group."""

from __future__ import annotations

import sys

import typer

from promptpro.cli import db, serve
from promptpro.errors import ConfigurationError

app = typer.Typer(
    name="promptpro",
    help="PromptPro: write, organise, run and keep AI prompts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve.serve)
app.add_typer(db.app, name="db")


def main() -> None:
    """Run the command line, turning configuration errors into one readable message."""
    try:
        app()
    except ConfigurationError as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(2)
