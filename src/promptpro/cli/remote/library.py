"""`promptpro export|import|pull|push`: a workspace's library as files, through the API.

`export` and `import` move one file in any format the server speaks (with progress bars);
`pull DIR` and `push DIR` keep the workspace as a folder of Markdown files for git: pull
writes the server's files into the folder, push shows what would change (a diff per file)
and then imports the folder, each changed prompt as a new version.
"""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from promptpro.cli.remote.common import (
    Exit,
    connected,
    fail,
    note,
    out,
    print_json,
    transfer_progress,
)
from promptpro.client import library_files as files
from promptpro.client.api import Progress as ProgressCallback

FORMATS = ("promptpro", "promptfoo", "langfuse", "prompty", "dotprompt", "markdown")
Json = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
Workspace = Annotated[
    int | None,
    typer.Option("--workspace", "-w", help="A workspace id (default: your personal one)."),
]
Folder = Annotated[
    Path, typer.Argument(file_okay=False, help="The folder of Markdown files (one a prompt).")
]


@contextmanager
def _bar(what: str, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A transfer's progress bar (none with --json: the output is for a program)."""
    if quiet:
        yield None
        return
    with transfer_progress(what) as progress:
        yield progress


def _show_report(report: dict[str, Any]) -> None:
    counts = report.get("counts", {})
    verb = "would be" if report.get("dryRun") else "were"
    out.print(
        ", ".join(f"{counts.get(key, 0)} {key} " for key in ("created", "updated", "skipped"))
        + f"{verb} so; {counts.get('conflicts', 0)} conflicts"
    )
    for key in ("created", "updated", "conflicts"):
        for item in report.get(key, []):
            out.print(f"  {key[:-1] if key != 'conflicts' else 'conflict'}: {_item(item)}")
    for item in report.get("notCarried", []):
        out.print(f"  [yellow]not carried[/]: {_item(item)}")


def _item(item: dict[str, Any]) -> str:
    label = f"{item.get('kind', '')} {item.get('name', '')}".strip()
    detail = item.get("detail") or item.get("reason")
    return escape(f"{label} ({detail})" if detail else label)


def export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write the export.")],
    file_format: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")
    ] = "promptpro",
    responses: Annotated[
        bool,
        typer.Option(
            "--responses", help="Include the responses and evaluation results (promptpro format)."
        ),
    ] = False,
    workspace: Workspace = None,
    as_json: Json = False,
) -> None:
    """Export a workspace's library to FILE (a zip for prompty, dotprompt and markdown)."""
    if file_format not in FORMATS:
        fail(f"Unknown format {file_format!r}: use one of {', '.join(FORMATS)}.", Exit.USAGE)
    with connected() as api, _bar("Exporting", as_json) as progress:
        workspace_id = api.workspace_id(workspace)
        files.export(
            api,
            workspace_id,
            file,
            file_format=file_format,
            responses=responses,
            progress=progress,
        )
    size = file.stat().st_size
    if as_json:
        print_json({"file": str(file), "bytes": size, "workspaceId": workspace_id})
    else:
        note(f"Exported workspace {workspace_id} to {file} ({size:,} bytes).")


def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to import.")],
    file_format: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Its format (default: from the file's name)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only report what would happen.")
    ] = False,
    on_conflict: Annotated[
        str, typer.Option("--on-conflict", help="A taken name: skip, rename or version.")
    ] = "skip",
    workspace: Workspace = None,
    as_json: Json = False,
) -> None:
    """Import FILE into a workspace (run with --dry-run first to see what it would do)."""
    chosen = file_format or files.guess_format(file)
    if chosen not in FORMATS:
        fail(f"Say the file's format with --format ({', '.join(FORMATS)}).", Exit.USAGE)
    if on_conflict not in ("skip", "rename", "version"):
        fail("--on-conflict takes skip, rename or version.", Exit.USAGE)
    with connected() as api, _bar("Importing", as_json) as progress:
        report = files.import_file(
            api,
            api.workspace_id(workspace),
            file,
            file_format=chosen,
            dry_run=dry_run,
            on_conflict=on_conflict,
            progress=progress,
        )
    if as_json:
        print_json(report)
    else:
        _show_report(report)


def pull(folder: Folder, workspace: Workspace = None, as_json: Json = False) -> None:
    """Write the workspace's prompts into FOLDER as Markdown files (others there stay)."""
    with connected() as api:
        server = files.server_files(api, api.workspace_id(workspace))
    folder.mkdir(parents=True, exist_ok=True)
    pulled = files.write_files(folder, server)
    if as_json:
        print_json({"written": pulled.written, "unchanged": pulled.unchanged})
        return
    for name in pulled.written:
        out.print(f"  wrote {escape(name)}")
    note(f"{len(pulled.written)} written, {len(pulled.unchanged)} unchanged in {folder}.")


def push(
    folder: Folder,
    workspace: Workspace = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what would change.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask before pushing.")] = False,
    as_json: Json = False,
) -> None:
    """Show what FOLDER would change on the server (a diff per file), then push it: new
    prompts are created, changed ones get a new version, unchanged ones stay."""
    if not folder.is_dir():
        fail(f"No such folder: {folder}", Exit.USAGE)
    local = files.markdown_files(folder)
    if not local:
        fail(f"{folder} has no Markdown files to push.", Exit.USAGE)
    with connected() as api, tempfile.TemporaryDirectory(prefix="promptpro-push-") as scratch:
        workspace_id = api.workspace_id(workspace)
        archive = files.zip_files(local, Path(scratch) / "push.zip")

        def send(dry: bool) -> dict[str, Any]:
            return files.import_file(
                api,
                workspace_id,
                archive,
                file_format="markdown",
                dry_run=dry,
                on_conflict="version",
            )

        preview = send(True)
        changed = _changes(local, files.server_files(api, workspace_id))
        if as_json and (dry_run or not yes):
            print_json({"report": preview, "changed": sorted(changed)})
            return
        if not as_json:
            _show_diff(changed)
            _show_report(preview)
        if dry_run or not changed:
            if not as_json:
                note("Nothing to push." if not changed else "Dry run: nothing was pushed.")
            return
        if not yes and not typer.confirm(f"Push {len(changed)} changed file(s)?"):
            raise typer.Exit(int(Exit.FAILED))
        report = send(False)
    if as_json:
        print_json(report)
    else:
        note(f"Pushed {len(changed)} file(s).")


def _changes(local: dict[str, str], server: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The files whose text differs from the server's: (server's text or '', yours)."""
    return {
        name: (server.get(name, ""), text)
        for name, text in local.items()
        if server.get(name) != text
    }


def _show_diff(changed: dict[str, tuple[str, str]]) -> None:
    for name, (theirs, mine) in sorted(changed.items()):
        diff = difflib.unified_diff(
            theirs.splitlines(keepends=True),
            mine.splitlines(keepends=True),
            fromfile=f"server/{name}" if theirs else "/dev/null",
            tofile=f"local/{name}",
        )
        for line in diff:
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            text = escape(line.rstrip("\n"))
            out.print(f"[{colour}]{text}[/]" if colour else text)
