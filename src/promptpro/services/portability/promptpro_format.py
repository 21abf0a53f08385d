"""Our own format, `promptpro-export` version 1: one JSON document, streamed both ways.

Written as chunks of JSON text while the pages are read (`document_chunks`), read with an
incremental parser (ijson) straight from the uploaded file, one prompt at a time, so
neither side holds the whole library. Its JSON Schema is docs/promptpro-export.schema.json.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import ijson  # type: ignore[import-untyped]

from promptpro.db.session import SessionFactory
from promptpro.errors import Invalid
from promptpro.schemas.portability import FORMAT_NAME, FORMAT_VERSION, iso
from promptpro.services.portability.export import (
    ExportScope,
    prompt_pages,
    read_header,
    snippet_names,
    test_set_docs,
)
from promptpro.services.portability.library import Doc, ParsedLibrary


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def document_chunks(factory: SessionFactory, scope: ExportScope) -> AsyncIterator[str]:
    """The export document as JSON text, a page of prompts to a chunk."""
    header = await read_header(factory, scope)
    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exportedAt": iso(datetime.now(UTC)),
        "workspace": {"name": scope.workspace_name},
        "categories": header.categories,
        "tags": header.tags,
    }
    yield _dumps(head)[:-1] + ',"prompts":['
    names: set[str] = set()
    included: set[str] = set()
    first = True
    async for page in prompt_pages(factory, scope, header.category_names):
        for prompt in page:
            names.add(prompt["name"])
            newest = prompt["versions"][-1] if prompt["versions"] else {}
            text = newest.get("content") or "".join(
                str(m.get("content", "")) for m in newest.get("messages") or ()
            )
            included |= snippet_names(text)
        yield ("" if first else ",\n") + ",\n".join(_dumps(p) for p in page)
        first = False
    yield '],"snippets":' + _dumps(sorted(included & names)) + ',"testSets":['
    first = True
    async for test_set in test_set_docs(factory, scope):
        yield ("" if first else ",\n") + _dumps(test_set)
        first = False
    yield "]}\n"


def _items(file: IO[bytes], prefix: str) -> Iterator[Doc]:
    """The items of one top-level array, parsed one at a time from the start of the file."""
    file.seek(0)
    try:
        for index, item in enumerate(ijson.items(file, prefix, use_float=True)):
            if not isinstance(item, dict):
                raise Invalid(f"{prefix}: each item is an object.", field=f"{prefix}.{index}")
            yield item
    except ijson.JSONError as exc:
        raise Invalid(f"The file is not valid JSON: {exc}"[:300], field="") from None


def _header(file: IO[bytes]) -> tuple[object, object]:
    """The document's `format` and `version` (its first keys, as written)."""
    file.seek(0)
    found: dict[str, object] = {}
    try:
        events = ijson.parse(file, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise Invalid("A promptpro-export file is one JSON object.", field="")
        for prefix, event, value in events:
            if prefix in ("format", "version") and event != "map_key":
                found[prefix] = value
                if len(found) == 2:
                    break
    except ijson.JSONError as exc:
        raise Invalid(f"The file is not valid JSON: {exc}"[:300], field="") from None
    return found.get("format"), found.get("version")


def read_document(file: IO[bytes]) -> ParsedLibrary:
    """The library in a promptpro-export file: checked header, then lazy iterables that
    each parse the file again from the start (it is on disk; parsing is cheap, holding the
    parsed document is not)."""
    name, version = _header(file)
    if name != FORMAT_NAME:
        raise Invalid(
            f'This is not a promptpro-export file ("format": "{FORMAT_NAME}").', field="format"
        )
    if version != FORMAT_VERSION:
        raise Invalid(
            f"This server reads promptpro-export version {FORMAT_VERSION}; the file is "
            f"version {str(version)[:20]}.",
            field="version",
        )
    return ParsedLibrary(
        prompts=_Lazy(file, "prompts.item"),
        categories=_Lazy(file, "categories.item"),
        test_sets=_Lazy(file, "testSets.item"),
    )


class _Lazy:
    """An iterable that parses its part of the file anew each time it is iterated."""

    def __init__(self, file: IO[bytes], prefix: str) -> None:
        self.file = file
        self.prefix = prefix

    def __iter__(self) -> Iterator[Doc]:
        return _items(self.file, self.prefix)
