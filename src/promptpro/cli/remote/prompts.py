"""`promptpro prompts list|show`: the library on the server, read through the API."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from promptpro.cli.remote.common import complete_prompt_name, connected, out, print_json
from promptpro.client import Api, ApiError

app = typer.Typer(
    help="Your prompts on the server (after `promptpro login`).", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
Workspace = Annotated[
    int | None,
    typer.Option("--workspace", "-w", help="A workspace id (default: your personal one)."),
]
Label = Annotated[str | None, typer.Option("--label", "-l", help="e.g. production, staging.")]


def label_summary(labels: dict[str, int]) -> str:
    """`production→v3, staging→v4`."""
    return ", ".join(f"{name}→v{number}" for name, number in sorted(labels.items()))


@app.command("list")
def list_prompts(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Only those whose title or text has this.")
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", "-l", help="Only those carrying this label.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    workspace: Workspace = None,
    as_json: Json = False,
) -> None:
    """List your prompts, most recently changed first."""
    with connected() as api:
        found: list[dict[str, Any]] = []
        # A label is filtered here (the list API has no such filter), so read on until
        # `limit` prompts carry it, not just the first page.
        scan = limit if label is None else max(limit, 1000)
        for prompt in api.prompts(q=query, workspace_id=workspace, limit=scan):
            if label is None or label == "latest" or label in (prompt.get("labels") or {}):
                found.append(prompt)
                if len(found) >= limit:
                    break
    if as_json:
        print_json(found)
        return
    if not found:
        out.print("No prompts." if not (query or label) else "No prompts match.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "TITLE", "LABELS", "MODEL", "UPDATED"):
        table.add_column(column, overflow="fold")
    for prompt in found:
        table.add_row(
            escape(prompt["name"]),
            escape(prompt.get("title") or ""),
            escape(label_summary(prompt.get("labels") or {})),
            escape(prompt.get("model") or "—"),
            str(prompt.get("updatedAt", ""))[:16].replace("T", " "),
        )
    out.print(table)


def fetch(
    api: Api,
    name_or_id: str,
    *,
    label: str | None,
    version: int | None,
    workspace: int | None,
) -> dict[str, Any]:
    """A prompt's version as `/by-name` gives it: by name, or by id (digits) first.

    With neither label nor version: the newest version (`latest`), which every prompt has
    (an application's default, `production`, may not be set yet)."""
    name = name_or_id
    if name_or_id.isdigit():
        try:
            prompt = api.prompt(int(name_or_id))
        except ApiError as exc:
            if exc.status != 404:
                raise
        else:
            name, workspace = prompt["name"], prompt["workspaceId"]
    return api.fetch_prompt(name, label=label or "latest", version=version, workspace_id=workspace)


@app.command()
def show(
    prompt: Annotated[
        str,
        typer.Argument(help="The prompt's name (or id).", autocompletion=complete_prompt_name),
    ],
    label: Label = None,
    version: Annotated[
        int | None, typer.Option("--version", "-V", min=1, help="A version number.")
    ] = None,
    workspace: Workspace = None,
    as_json: Json = False,
) -> None:
    """Show a prompt: its newest version, or the one a label or number names."""
    with connected() as api:
        fetched = fetch(api, prompt, label=label, version=version, workspace=workspace)
    if as_json:
        print_json(fetched)
        return
    out.print(f"[bold]{escape(fetched['name'])}[/]  version {fetched['version']}")
    details = {
        "labels": ", ".join(fetched.get("labels") or []) or "—",
        "model": fetched.get("model") or "—",
        "variables": ", ".join(fetched.get("variables") or []) or "—",
    }
    for key, value in details.items():
        out.print(f"[dim]{key}:[/] {escape(value)}")
    out.print()
    messages = fetched.get("messages")
    if messages:
        for message in messages:
            out.print(f"[bold]{escape(str(message.get('role', '')))}:[/]")
            out.print(escape(str(message.get("content", ""))))
            out.print()
    else:
        out.print(escape(fetched.get("text", "")))
