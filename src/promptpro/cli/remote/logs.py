"""`promptpro logs`: the responses kept on the server — your runs, a prompt's, or found by
search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from promptpro.cli.remote.common import (
    complete_prompt_name,
    connected,
    out,
    print_json,
)
from promptpro.cli.remote.prompts import fetch
from promptpro.client import Api

# Search hits are read in pages and filtered by prompt here: a bound on how many are read.
MAX_SCANNED_HITS = 1000
PREVIEW_CHARS = 60


def _found(api: Api, query: str, prompt_id: int | None, limit: int) -> Iterator[dict[str, Any]]:
    """The responses whose text matches `query` (best first), of one prompt if given."""
    given = 0
    for hit in api.search(query, kind="response", limit=MAX_SCANNED_HITS):
        if prompt_id is not None and hit.get("promptId") != prompt_id:
            continue
        yield api.response(int(hit["id"]))
        given += 1
        if given >= limit:
            return


def _preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


def _cost(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:.6f}" if value < 0.01 else f"${value:.4f}"


def logs(
    prompt: Annotated[
        str | None,
        typer.Option(
            "--prompt",
            "-p",
            help="Only this prompt's (name or id).",
            autocompletion=complete_prompt_name,
        ),
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Only those whose text has these words.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 20,
    workspace: Annotated[
        int | None, typer.Option("--workspace", "-w", help="Only this workspace's (an id).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Show the responses kept on the server: your runs, or a prompt's, newest first.

    With -q, those whose text matches, best match first (of --prompt's alone, if given).
    """
    names: dict[int, str] = {}
    with connected() as api:
        prompt_id: int | None = None
        if prompt is not None:
            fetched = fetch(api, prompt, label=None, version=None, workspace=workspace)
            prompt_id = int(fetched["promptId"])
            names[prompt_id] = fetched["name"]
        if query:
            items = list(_found(api, query, prompt_id, limit))
        elif prompt_id is not None:
            items = list(api.responses(prompt_id, limit=limit))
        else:
            items = list(api.own_runs(workspace_id=workspace, limit=limit))
        if not as_json:
            for item in items:
                if item["promptId"] not in names:
                    names[item["promptId"]] = api.prompt(item["promptId"])["name"]
    if as_json:
        print_json(items)
        return
    if not items:
        out.print("No responses.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("ID", "WHEN", "PROMPT", "MODEL", "STATUS", "TOKENS", "COST", "ANSWER"):
        table.add_column(column, overflow="fold")
    for item in items:
        tokens = f"{item.get('inputTokens') or 0}→{item.get('outputTokens') or 0}"
        table.add_row(
            str(item["id"]),
            str(item.get("createdAt", ""))[:19].replace("T", " "),
            escape(names.get(item["promptId"], str(item["promptId"]))),
            escape(item.get("model", "")),
            item.get("status", ""),
            tokens,
            _cost(item.get("costUsd")),
            escape(_preview(item.get("content") or "")),
        )
    out.print(table)
