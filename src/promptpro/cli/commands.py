"""The whole `promptpro` command: the server's command groups (one module each) and the
remote ones. `promptpro.cli.main` loads it for everything but the remote commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from promptpro import __version__
from promptpro.cli import (
    audit,
    backup,
    db,
    keys,
    models,
    remote,
    serve,
    sessions,
    users,
    worker,
)
from promptpro.errors import ConfigurationError

app = typer.Typer(
    name="promptpro",
    help="PromptPro: write, organise, run and keep AI prompts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"promptpro {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """PromptPro: write, organise, run and keep AI prompts."""


app.command()(serve.serve)
app.command()(worker.worker)
app.command()(backup.backup)
app.command()(backup.restore)
app.add_typer(db.app, name="db")
app.add_typer(sessions.app, name="sessions")
app.add_typer(keys.app, name="keys")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
app.add_typer(models.app, name="models")
remote.register(app)


def main() -> None:
    """Run the command line, turning configuration errors into one readable message."""
    try:
        app()
    except ConfigurationError as exc:
        typer.secho(exc.detail, fg=typer.colors.RED, err=True)
        sys.exit(2)
