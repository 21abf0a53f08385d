"""Shell completion (Typer's `--install-completion`): command names, and prompt names asked
of the server; and the remote commands start without loading the server."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from promptpro.cli import app, invoked_command
from tests.support.processes import loaded_modules
from tests.support.remote import RemoteServer


def complete(words: str) -> list[str]:
    """What bash would be offered after typing `words` (the last one being completed)."""
    env = {
        "_PROMPTPRO_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="promptpro")
    return result.stdout.split()


def test_commands_and_prompt_names_complete(server: RemoteServer) -> None:
    assert "prompts" in complete("promptpro prom")
    prompt = server.prompt()
    assert prompt["name"] in complete("promptpro run cli/prompt-")
    assert prompt["name"] in complete("promptpro prompts show cli/")


def test_completion_offers_nothing_rather_than_an_error_when_logged_out(
    remote: RemoteServer,
) -> None:
    assert complete("promptpro run cli/") == []


def test_the_command_being_completed_is_found_for_every_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["promptpro", "serve"])
    assert invoked_command() == "serve"
    monkeypatch.setenv("_PROMPTPRO_COMPLETE", "complete_zsh")
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "promptpro run cli/")
    assert invoked_command() == "run"
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "promptpro ru")
    assert invoked_command() is None  # the command itself: the whole command line offers it


def test_a_remote_command_loads_nothing_of_the_server() -> None:
    prelude = (
        "import sys\n"
        "sys.argv = ['promptpro', 'run', '--help']\n"
        "from promptpro.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    server: tuple[str, ...] = ("fastapi", "sqlalchemy", "openai", "promptpro.app")
    server += ("promptpro.db", "promptpro.services", "promptpro.config", "promptpro.cli.commands")
    output, loaded = loaded_modules(prelude, server)
    assert "Run a prompt" in output
    assert loaded == []
