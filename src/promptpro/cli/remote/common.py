"""What the remote commands share: exit codes, messages (errors to stderr), JSON output, and
a connection to the server that turns its problems into a message and an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichProgress

from promptpro.client import Api, ApiError, ServerUnreachable
from promptpro.client import config as client_config
from promptpro.client.api import Progress


class Exit(IntEnum):
    """The exit codes of the remote commands (documented in README, "Command line")."""

    OK = 0
    FAILED = 1  # a run failed or was stopped; the server can't be reached or failed
    USAGE = 2  # bad arguments or input (a missing variable, an unknown model, …)
    AUTH = 3  # not logged in, or the token was refused
    NOT_FOUND = 4  # no such prompt (or response)


class _Console:
    """A rich console on the current stdout (or stderr), made when printing: a test runner
    that swaps the streams sees the output, and output piped into another program (grep,
    a file) is never folded to 80 columns."""

    def __init__(self, *, stderr: bool) -> None:
        self.stderr = stderr

    def print(self, *objects: Any) -> None:
        stream = sys.stderr if self.stderr else sys.stdout
        width = None if stream.isatty() else PIPED_WIDTH
        Console(file=stream, width=width, highlight=False, soft_wrap=True).print(*objects)


PIPED_WIDTH = 1000
out = _Console(stderr=False)
err = _Console(stderr=True)


def fail(message: str, code: Exit, hint: str | None = None) -> NoReturn:
    """Say what went wrong (stderr) and exit with `code`."""
    err.print(f"[bold red]Error:[/] {escape(message)}")
    if hint:
        err.print(f"[dim]{escape(hint)}[/]")
    raise typer.Exit(int(code))


def note(message: str) -> None:
    """A remark for the person at the terminal (stderr: stdout stays the command's output)."""
    err.print(escape(message))


def print_json(data: Any) -> None:
    """Machine-readable output: JSON on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def code_for(error: ApiError) -> Exit:
    """The exit code for a problem the server answered with."""
    if error.status in (401, 403):
        return Exit.AUTH
    if error.status == 404:
        return Exit.NOT_FOUND
    if error.status in (400, 409, 413, 422):
        return Exit.USAGE
    return Exit.FAILED


def describe(error: ApiError) -> str:
    """The problem in one line, with the fields at fault."""
    fields = [f"{e['field']}: {e.get('message', '')}" for e in error.errors if e.get("field")]
    text = str(error)
    if fields and not any(f in text for f in fields):
        text += f" ({'; '.join(fields)})"
    return text


def fail_with(error: ApiError, source: str | None = None) -> NoReturn:
    """Exit on a problem the server answered with, saying what to do about it."""
    hint = None
    if error.status == 401 and source == client_config.FROM_ENVIRONMENT:
        hint = (
            f"The server refused the token from the environment ({client_config.TOKEN_VARIABLE}):"
            " make a new one in Settings → Tokens, or unset it to use `promptpro login`."
        )
    elif error.status == 401:
        where = f" kept in {source}" if source else ""
        hint = f"The server refused the token{where}: log in again with `promptpro login URL`."
    elif error.status == 403:
        hint = "The token may not do this (a read-only token, or one for another workspace)."
    fail(describe(error), code_for(error), hint)


@contextmanager
def transfer_progress(description: str) -> Iterator[Progress]:
    """A progress bar on stderr for a download or upload (`Api.download`/`Api.upload` take
    the callback this yields): bytes, speed and time left; a spinner while the size is
    unknown. Nothing is drawn when stderr is not a terminal (scripts, CI logs)."""
    stream = sys.stderr
    bar = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        disable=not stream.isatty(),
        transient=False,
    )
    with bar:
        task = bar.add_task(description, total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


COMPLETION_TIMEOUT = httpx.Timeout(3.0)
COMPLETION_SCAN = 500


def complete_prompt_name(incomplete: str) -> list[str]:
    """Shell completion of a prompt's name, asked of the server (nothing when that fails:
    a completion must never print an error into the command line being typed)."""
    try:
        credentials = client_config.load()
        with Api(credentials.url, credentials.token, timeout=COMPLETION_TIMEOUT) as api:
            names = [p["name"] for p in api.prompts(limit=COMPLETION_SCAN)]
    except Exception:  # any failure: no suggestions
        return []
    return sorted(name for name in names if name.startswith(incomplete))


@contextmanager
def connected() -> Iterator[Api]:
    """The server the user logged in to (or the environment names), as an `Api`; its
    problems end the command with a message and the matching exit code."""
    try:
        credentials = client_config.load()
    except client_config.NotLoggedIn as exc:
        fail(str(exc), Exit.AUTH)
    except client_config.BadConfig as exc:
        fail(str(exc), Exit.USAGE, "Fix or delete the file, or log in again.")
    try:
        with Api(credentials.url, credentials.token) as api:
            yield api
    except ApiError as exc:
        fail_with(exc, credentials.source)
    except ServerUnreachable as exc:
        fail(str(exc), Exit.FAILED, f"The server URL comes from {credentials.source}.")
