"""The `promptpro` command: one module per command group.

`commands` assembles them all: the server's (serve, db, users, …), which import the server,
and the remote ones (`remote`: login, prompts, run, logs, …), which talk to any server
through its API and import nothing of it. `main` runs a remote command with the remote
ones alone, so `promptpro run` starts at once instead of first loading the web framework,
the database layer and every provider's SDK it will never use.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptpro.cli.commands import app as app

REMOTE_COMMANDS = frozenset(
    {"login", "logout", "prompts", "run", "logs", "export", "import", "pull", "push", "eval"}
)
# What Typer's completion scripts pass: bash sets COMP_WORDS, zsh/fish/PowerShell this.
COMPLETION_WORDS = ("COMP_WORDS", "_TYPER_COMPLETE_ARGS")


def __getattr__(name: str) -> Any:
    # `from promptpro.cli import app`: the whole command, loaded when first asked for.
    if name == "app":
        from promptpro.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def invoked_command() -> str | None:
    """The command named on the command line (or being completed by the shell)."""
    if os.environ.get("_PROMPTPRO_COMPLETE"):
        for variable in COMPLETION_WORDS:
            words = os.environ.get(variable, "").split()
            if len(words) > 2:  # `promptpro run …`: the command is complete
                return words[1]
        return None
    return sys.argv[1] if len(sys.argv) > 1 else None


def main() -> None:
    """Run the command line (the entry point of the `promptpro` script)."""
    if invoked_command() in REMOTE_COMMANDS:
        from promptpro.cli.remote import app as remote_app

        remote_app(prog_name="promptpro")
        return
    from promptpro.cli.commands import main as run_all

    run_all()
