"""The remote commands: `login`, `logout`, `prompts`, `run`, `logs`, `export`, `import`,
`pull`, `push`, `eval run`. They talk to any
PromptPro server through its public API with a token (`promptpro.client`), and import
nothing of the server (an import-linter contract in pyproject.toml keeps it so).

`app` holds them alone, for `promptpro.cli.main`; `register` adds them to the whole command.
"""

from __future__ import annotations

import typer

from promptpro.cli.remote import auth, evals, library, logs, prompts, run

PANEL = "Remote (any server, with a token)"


def register(target: typer.Typer) -> None:
    """Add the remote commands to `target`."""
    target.command(rich_help_panel=PANEL)(auth.login)
    target.command(rich_help_panel=PANEL)(auth.logout)
    target.add_typer(prompts.app, name="prompts", rich_help_panel=PANEL)
    target.command(rich_help_panel=PANEL)(run.run)
    target.command(rich_help_panel=PANEL)(logs.logs)
    target.command(rich_help_panel=PANEL)(library.export)
    target.command("import", rich_help_panel=PANEL)(library.import_)
    target.command(rich_help_panel=PANEL)(library.pull)
    target.command(rich_help_panel=PANEL)(library.push)
    target.add_typer(evals.app, name="eval", rich_help_panel=PANEL)


app = typer.Typer(
    name="promptpro",
    help="PromptPro's remote commands: your prompts on any server, with a token.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
register(app)
