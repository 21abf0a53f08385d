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
from promptpro.services.portability.evaluation_export import evaluation_chunks
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
    if scope.responses:
        yield '],"evaluations":['
        async for chunk in evaluation_chunks(factory, scope):
            yield chunk
    yield "]}\n"


MAX_DEPTH = 64  # deeper nesting than any document of ours; bounds the parser's work
SCALARS = ("string", "number", "integer", "double", "boolean", "null")


def _events(file: IO[bytes]) -> Iterator[tuple[int, str, Any]]:
    """(depth, event, value) from the start of the file. ijson's `basic_parse`, not
    `parse`: `parse` builds every event's path as text, and a thousand nested brackets
    made that gigabytes; here nesting past MAX_DEPTH is refused as it is met."""
    file.seek(0)
    depth = 0
    try:
        for event, value in ijson.basic_parse(file, use_float=True):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise Invalid(f"The file nests deeper than {MAX_DEPTH} levels.", field="")
                yield depth, event, value
                continue
            if event in ("end_map", "end_array"):
                depth -= 1
            yield depth, event, value
    except ijson.JSONError as exc:
        detail = str(exc.args[0] if exc.args else exc)
        if isinstance(exc.args[0] if exc.args else None, bytes):
            detail = exc.args[0].decode("utf-8", "replace")
        raise Invalid(f"The file is not valid JSON: {detail}"[:300], field="") from None


def _items(file: IO[bytes], key: str) -> Iterator[Doc]:
    """The objects of the top-level list `key`, built one at a time."""
    events = _events(file)
    for depth, event, value in events:
        if depth == 1 and event == "map_key" and value == key:
            break
    else:
        return
    depth, event, _ = next(events)
    if event != "start_array":
        raise Invalid(f"{key} is a list.", field=key)
    index = 0
    builder: Any = None
    for depth, event, value in events:
        if builder is None:
            if depth == 1 and event == "end_array":
                return
            if event != "start_map":
                raise Invalid(f"{key}: each item is an object.", field=f"{key}.{index}")
            builder = ijson.ObjectBuilder()
        builder.event(event, value)
        if depth == 2 and event == "end_map":
            yield builder.value
            builder = None
            index += 1


def _header(file: IO[bytes]) -> tuple[object, object]:
    """The document's `format` and `version` (its first keys, as written)."""
    found: dict[str, object] = {}
    events = _events(file)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        raise Invalid("A promptpro-export file is one JSON object.", field="")
    key: str | None = None
    for depth, event, value in events:
        if depth == 1 and event == "map_key":
            key = value
        elif depth == 1 and key in ("format", "version") and event in SCALARS:
            found[key] = value
            if len(found) == 2:
                break
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
    library = ParsedLibrary(
        prompts=_Lazy(file, "prompts"),
        categories=_Lazy(file, "categories"),
        test_sets=_Lazy(file, "testSets"),
    )
    for name in _evaluation_names(file):
        library.lost("evaluation", name, EVALUATIONS_STAY)
    return library


EVALUATIONS_STAY = "evaluation results are kept in the export only"
MAX_EVALUATIONS_NOTED = 100


def _evaluation_names(file: IO[bytes]) -> Iterator[str]:
    """A name for each evaluation in the file ("prompt on test set"), read from its
    top-level keys without building its cells; past MAX_EVALUATIONS_NOTED, one line
    says how many more. Evaluations are results of runs made elsewhere: an import
    never recreates them, but says so."""
    events = _events(file)
    for depth, event, value in events:
        if depth == 1 and event == "map_key" and value == "evaluations":
            break
    else:
        return
    _, event, _ = next(events)
    if event != "start_array":
        raise Invalid("evaluations is a list.", field="evaluations")
    count = 0
    names: dict[str, str] = {}
    key: str | None = None
    for depth, event, value in events:
        if depth == 1:
            break
        if depth == 3 and event == "map_key":
            key = value
        elif depth == 3 and event == "string" and key in ("prompt", "testSet"):
            names[key] = value
        elif depth == 2 and event == "end_map":
            count += 1
            if count <= MAX_EVALUATIONS_NOTED:
                prompt = str(names.get("prompt", "?"))[:200]
                test_set = str(names.get("testSet") or "a deleted test set")[:100]
                yield f"{prompt} on {test_set}"
            names = {}
    if count > MAX_EVALUATIONS_NOTED:
        yield f"{count - MAX_EVALUATIONS_NOTED} more evaluations"


class _Lazy:
    """An iterable that parses its part of the file anew each time it is iterated."""

    def __init__(self, file: IO[bytes], prefix: str) -> None:
        self.file = file
        self.prefix = prefix

    def __iter__(self) -> Iterator[Doc]:
        return _items(self.file, self.prefix)
