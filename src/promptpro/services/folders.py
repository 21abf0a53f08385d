"""Folders: prompt names with `/` (`support/triage-email`) shown as a tree in the library."""

from __future__ import annotations

from dataclasses import dataclass, field

from promptpro.storage import Storage

MAX_NAMES = 2_000


@dataclass
class Folder:
    """A folder: its sub-folders and the prompts directly in it (id, last part of name)."""

    name: str
    path: str
    folders: dict[str, Folder] = field(default_factory=dict)
    prompts: list[tuple[int, str]] = field(default_factory=list)


def tree(names: list[tuple[int, str]]) -> Folder:
    """The folder tree of (id, name) pairs, sorted by name."""
    root = Folder("", "")
    for prompt_id, name in sorted(names, key=lambda pair: pair[1]):
        *parts, leaf = name.split("/")
        folder = root
        for part in parts:
            path = f"{folder.path}{part}/"
            folder = folder.folders.setdefault(part, Folder(part, path))
        folder.prompts.append((prompt_id, leaf))
    return root


async def folder_tree(
    storage: Storage, user_id: str, workspace_id: int | None = None
) -> Folder | None:
    """The workspace's folders (None: the personal one); None when no name has a `/`."""
    if workspace_id is None:
        workspace_id = await storage.personal_workspace_id(user_id)
    names = await storage.prompt_names(user_id, workspace_id, MAX_NAMES)
    if not any("/" in name for _, name in names):
        return None
    return tree(names)
