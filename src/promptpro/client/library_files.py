"""A workspace's library as files: export and import through the public API, and a folder of
Markdown files (`pull` / `push`, the git workflow) packed to and from the zip the server
speaks. The server owns every format; this side only moves bytes and unpacks safely."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from promptpro.client.api import Api, Params, Progress

MARKDOWN = ".md"
# A pulled zip is the server's, but a path in it still never leaves the folder.
MAX_PULLED_FILES = 100_000

FORMAT_BY_SUFFIX = {
    ".json": "promptpro",
    ".yaml": "promptfoo",
    ".yml": "promptfoo",
    ".prompty": "prompty",
    ".prompt": "dotprompt",
    ".md": "markdown",
}


class UnsafeArchive(Exception):
    """A zip whose file names would leave the folder it is unpacked into."""


def guess_format(path: Path) -> str | None:
    """The import format a file's name suggests (None: say which with --format)."""
    return FORMAT_BY_SUFFIX.get(path.suffix.lower())


def export(
    api: Api,
    workspace_id: int,
    destination: Path,
    *,
    file_format: str = "promptpro",
    responses: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Save the workspace's export in `file_format` to `destination`."""
    params: Params = {"format": file_format, "responses": responses}
    return api.download(
        f"/api/v1/workspaces/{workspace_id}/export", destination, params=params, progress=progress
    )


def import_file(
    api: Api,
    workspace_id: int,
    source: Path,
    *,
    file_format: str,
    dry_run: bool,
    on_conflict: str = "skip",
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import `source` into the workspace; the server's report."""
    params: Params = {"format": file_format, "dryRun": dry_run, "onConflict": on_conflict}
    report: dict[str, Any] = api.upload(
        f"/api/v1/workspaces/{workspace_id}/import", source, params=params, progress=progress
    )
    return report


@dataclass(frozen=True)
class Pulled:
    """What a pull did to the folder."""

    written: list[str]
    unchanged: list[str]


def markdown_files(folder: Path) -> dict[str, str]:
    """The folder's prompt files by their path inside it (`support/triage.md`), as text."""
    files: dict[str, str] = {}
    for path in sorted(folder.rglob(f"*{MARKDOWN}")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):  # .git and the like
            continue
        files[relative.as_posix()] = path.read_text(encoding="utf-8")
    return files


def server_files(api: Api, workspace_id: int) -> dict[str, str]:
    """The workspace as the folder of Markdown files the server exports."""
    with tempfile.TemporaryDirectory(prefix="promptpro-pull-") as scratch:
        archive = export(api, workspace_id, Path(scratch) / "library.zip", file_format="markdown")
        return _unzip(archive)


def _unzip(archive: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    with zipfile.ZipFile(archive) as zipped:
        names = [info for info in zipped.infolist() if not info.is_dir()]
        if len(names) > MAX_PULLED_FILES:
            raise UnsafeArchive(f"the export holds more than {MAX_PULLED_FILES} files")
        for info in names:
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in info.filename:
                raise UnsafeArchive(f"the export names a file outside its folder: {path}")
            files[path.as_posix()] = zipped.read(info).decode("utf-8")
    return files


def write_files(folder: Path, files: dict[str, str]) -> Pulled:
    """Write the files into the folder (leaving every other file there alone)."""
    written, unchanged = [], []
    for name, text in files.items():
        target = folder / name
        if target.exists() and target.read_text(encoding="utf-8") == text:
            unchanged.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(name)
    return Pulled(written, unchanged)


def zip_files(files: dict[str, str], destination: Path) -> Path:
    """The files as the zip the server's markdown import takes."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, text in files.items():
            zipped.writestr(name, text)
    return destination
