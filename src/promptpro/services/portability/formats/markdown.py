"""A folder of Markdown files with front matter: one file a prompt, for git.

`support/triage-email.md` is the prompt `support/triage-email`. The front matter holds
what isn't the wording (title, type, model, parameters, category, tags, labels, schema,
tools, and a chat's messages); the body is a text prompt's content. Only the newest
version is written: git keeps the history. This is also what `promptpro pull`/`push` use.
"""

from __future__ import annotations

from typing import Any

from promptpro.services.portability import yaml_io
from promptpro.services.portability.formats.common import (
    front_matter_files,
    one_version,
)
from promptpro.services.portability.library import Doc, ExportedLibrary, ParsedLibrary, latest

EXTENSION = ".md"
FRONT_KEYS = (
    "title",
    "type",
    "model",
    "parameters",
    "category",
    "tags",
    "labels",
    "schema",
    "tools",
)


def render(library: ExportedLibrary) -> list[tuple[str, str]]:
    """One Markdown file per prompt (test sets and older versions are not written)."""
    files = []
    for prompt in library.prompts:
        newest = latest(prompt)
        number = newest["version"]
        meta: dict[str, Any] = {"title": newest["title"], "type": newest["type"]}
        for key in ("model", "parameters", "schema", "tools"):
            if key in newest:
                meta[key] = newest[key]
        if prompt.get("category"):
            meta["category"] = prompt["category"]
        if prompt.get("tags"):
            meta["tags"] = prompt["tags"]
        labels = {k: v for k, v in prompt.get("labels", {}).items() if v == number}
        if labels:
            meta["labels"] = sorted(labels)
        if newest["type"] == "chat":
            meta["messages"] = newest["messages"]
            body = ""
        else:
            body = newest["content"]
        files.append((prompt["name"] + EXTENSION, yaml_io.with_front_matter(meta, body)))
    return files


def parse(files: list[tuple[str, str]]) -> ParsedLibrary:
    """Prompts from Markdown files (other files are reported and left out)."""
    prompts: list[Doc] = []
    library = ParsedLibrary(prompts=prompts)
    for name, meta, body in front_matter_files(files, EXTENSION, library):
        messages = meta.get("messages")
        wording: Doc = (
            {"type": "chat", "messages": messages}
            if meta.get("type") == "chat" or messages
            else {"type": "text", "content": body}
        )
        if wording["type"] == "chat" and body.strip():
            library.lost("field", f"{name}.body", "a chat prompt's wording is its messages")
        version = one_version(
            name,
            str(meta.get("title") or ""),
            wording,
            model=meta.get("model"),
            parameters=meta.get("parameters"),
            schema=meta.get("schema"),
            tools=meta.get("tools"),
        )
        labels = meta.get("labels") or []
        doc: Doc = {
            "name": name,
            "tags": meta.get("tags") or [],
            "versions": [version],
            "labels": {label: 1 for label in labels} if isinstance(labels, list) else labels,
        }
        if meta.get("category"):
            doc["category"] = meta["category"]
        for key in meta:
            if key not in (*FRONT_KEYS, "messages"):
                library.lost("field", f"{name}.{key}", "not a front matter key PromptPro reads")
        prompts.append(doc)
    return library
