"""The remote commands: `login`, `logout`, `prompts`, `run`, `logs`. They talk to any
PromptPro server through its public API with a token (`promptpro.client`), and import
nothing of the server (an import-linter contract in pyproject.toml keeps it so)."""

from __future__ import annotations

import typer

from promptpro.cli.remote import auth, logs, prompts, run


def register(app: typer.Typer) -> None:
    """Add the remote commands to the `promptpro` command."""
    app.command(rich_help_panel="Remote (any server, with a token)")(auth.login)
    app.command(rich_help_panel="Remote (any server, with a token)")(auth.logout)
    app.add_typer(prompts.app, name="prompts", rich_help_panel="Remote (any server, with a token)")
    app.command(rich_help_panel="Remote (any server, with a token)")(run.run)
    app.command(rich_help_panel="Remote (any server, with a token)")(logs.logs)
