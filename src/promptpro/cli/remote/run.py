"""`promptpro run NAME -v key=value …`: run a saved prompt on the server, the answer streamed
to stdout as it arrives (the run is stored on the server like any other)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Annotated, Any

import typer

from promptpro.cli.remote.common import (
    Exit,
    complete_prompt_name,
    connected,
    describe,
    err,
    fail,
    note,
    print_json,
)
from promptpro.cli.remote.prompts import fetch
from promptpro.client import Api, ApiError, RunEvent

STDIN = "-"


def parse_variables(pairs: list[str]) -> dict[str, str]:
    """`key=value` pairs; a value of `-` is read from stdin (one variable at most)."""
    variables: dict[str, str] = {}
    from_stdin: str | None = None
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            fail(f"-v {pair!r}: give a variable as key=value.", Exit.USAGE)
        if value == STDIN:
            if from_stdin is not None:
                fail(f"-v {key}=-: only one variable can be read from stdin.", Exit.USAGE)
            from_stdin = key
            value = sys.stdin.read()
        variables[key] = value
    return variables


def _missing(fetched: dict[str, Any], variables: dict[str, str]) -> list[str]:
    return [name for name in fetched.get("variables") or [] if name not in variables]


def follow(api: Api, events: Iterable[RunEvent], as_json: bool) -> int:
    """Print a run's events (text as it comes, or the stored response as JSON); its exit
    code. Ctrl-C stops the run on the server (it keeps the partial text)."""
    response_id: int | None = None
    text_ended_with_newline = True
    try:
        for event in events:
            response_id = event.data.get("responseId", response_id)
            if event.name == "delta":
                if not as_json:
                    text = str(event.data.get("text", ""))
                    typer.echo(text, nl=False)
                    if text:
                        text_ended_with_newline = text.endswith("\n")
            elif event.name in ("done", "error"):
                if not as_json and not text_ended_with_newline:
                    typer.echo()
                return _ended(event, as_json)
    except KeyboardInterrupt:
        if not text_ended_with_newline:
            typer.echo()
        if response_id is not None:
            try:
                api.cancel(response_id)
            except ApiError as exc:
                note(f"Stopping the run failed: {describe(exc)}")
            note(f"Stopped: response {response_id} is kept as cancelled, with its text so far.")
        return Exit.FAILED
    where = f" (response {response_id}: see `promptpro logs`)" if response_id else ""
    fail(f"The stream ended before the run did{where}.", Exit.FAILED)


def _ended(event: RunEvent, as_json: bool) -> int:
    stored = event.data.get("response")
    problem = event.data.get("problem")
    if as_json:
        print_json({"response": stored, "problem": problem} if problem else stored)
    if event.name == "done":
        return Exit.OK
    title = (problem or {}).get("title", "The run failed")
    detail = (problem or {}).get("detail", "")
    err.print(f"[bold red]Run failed:[/] {title}{': ' + detail if detail else ''}")
    if stored:
        note(f"Kept as response {stored['id']} ({stored.get('status')}).")
    return Exit.FAILED


def run(
    prompt: Annotated[
        str,
        typer.Argument(help="The prompt's name (or id).", autocompletion=complete_prompt_name),
    ],
    variable: Annotated[
        list[str] | None,
        typer.Option(
            "--var",
            "-v",
            help="A variable, key=value (repeat it); key=- reads the value from stdin.",
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option("--label", "-l", help="Run the version this label points at."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="e.g. openai/gpt-4o (default: its own).")
    ] = None,
    workspace: Annotated[
        int | None, typer.Option("--workspace", "-w", help="A workspace id.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the stored response as JSON, at the end.")
    ] = False,
) -> None:
    """Run a prompt, streaming the answer to stdout as it arrives.

    Exit codes: 0 done, 1 failed or stopped, 2 bad input, 3 auth error, 4 not found.
    """
    variables = parse_variables(variable or [])
    with connected() as api:
        fetched = fetch(api, prompt, label=label, version=None, workspace=workspace)
        missing = _missing(fetched, variables)
        if missing:
            names = ", ".join(missing)
            fail(
                f"{fetched['name']} needs {'variables' if len(missing) > 1 else 'variable'} "
                f"{names}.",
                Exit.USAGE,
                f"Give each with -v NAME=VALUE (or -v {missing[0]}=- to read it from stdin).",
            )
        body: dict[str, Any] = {"variables": variables}
        if model:
            body["model"] = model
        if label:  # the version it points at; without one, the prompt as it is now
            body["version"] = fetched["version"]
        code = follow(api, api.run(fetched["promptId"], body), as_json)
    raise typer.Exit(code)
