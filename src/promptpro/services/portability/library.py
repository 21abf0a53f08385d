"""A library read from a file, in the shape of our own document, ready to import."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from promptpro.schemas.portability import ImportItem, ItemKind

Doc = dict[str, Any]


@dataclass
class ParsedLibrary:
    """Categories, prompts and test sets as promptpro-export dicts (iterables: our own
    format streams them from the file), and what the file held that won't be carried."""

    prompts: Iterable[Doc]
    categories: Iterable[Doc] = ()
    test_sets: Iterable[Doc] = ()
    not_carried: list[ImportItem] = field(default_factory=list)

    def lost(self, kind: ItemKind, name: str, detail: str) -> None:
        """Note something the import can't carry (the report lists it)."""
        self.not_carried.append(ImportItem(kind=kind, name=name, detail=detail))


@dataclass
class ExportedLibrary:
    """A whole library read for a format that writes it in one piece."""

    workspace: str
    categories: list[Doc]
    tags: list[str]
    prompts: list[Doc]
    test_sets: list[Doc]


def latest(prompt: Doc) -> Doc:
    """A prompt document's newest version."""
    versions: list[Doc] = prompt["versions"]
    return max(versions, key=lambda v: int(v.get("version", 0)))


PROVIDER_PREFIXES = (
    ("gpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("chatgpt", "openai"),
    ("claude", "anthropic"),
    ("gemini", "gemini"),
    ("grok", "xai"),
)


def guess_provider(model: str) -> str | None:
    """The provider of a bare model name (`gpt-4o` → openai), when it is plain to see."""
    lowered = model.lower()
    return next((p for prefix, p in PROVIDER_PREFIXES if lowered.startswith(prefix)), None)


def text_or_chat(text: str | None, messages: list[Doc] | None) -> Doc:
    """A version's wording: messages make it chat, otherwise text."""
    if messages:
        return {"type": "chat", "messages": messages}
    return {"type": "text", "content": text or ""}
