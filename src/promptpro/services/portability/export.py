"""Reading a workspace's library for export, a page at a time.

The route checks the right in the request's unit of work (`export_scope`); the body is
then written while the pages are read, each page in a short unit of work of its own (the
request's has ended by the time the body streams, as test set exports do). Nothing here
holds more than a page of prompts; the caller writes each page out before the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Invalid
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.portability import iso
from promptpro.services.templates import snippets_in
from promptpro.services.workspaces import require_in
from promptpro.storage import Storage

PAGE = 250
ROW_PAGE = 500
MAX_PROMPT_IDS = 1_000
MAX_SNIPPET_DEPTH = 6


@dataclass(frozen=True)
class ExportScope:
    """What an export holds: one workspace, all of it or some prompts (with the snippets
    they include, by name), with or without responses."""

    workspace_id: int
    workspace_name: str
    prompt_ids: frozenset[int] | None
    responses: bool


def snippet_names(content: str) -> set[str]:
    """The prompt names a text includes (`{{> name}}`, `{{> name@label}}`)."""
    return {written.partition("@")[0] for written in snippets_in(content)}


async def export_scope(
    storage: Storage,
    actor_id: str,
    workspace_id: int,
    prompt_ids: Sequence[int] | None = None,
    *,
    responses: bool = False,
) -> ExportScope:
    """The export's scope, if the actor may read the workspace (NotFound otherwise)."""
    await require_in(storage, actor_id, workspace_id, "library.export")
    found = await storage.get_membership(actor_id, workspace_id)
    assert found is not None  # require_in found it
    chosen: frozenset[int] | None = None
    if prompt_ids:
        if len(prompt_ids) > MAX_PROMPT_IDS:
            raise Invalid(f"Choose at most {MAX_PROMPT_IDS} prompts.", field="promptIds")
        rows = await storage.contents_of(workspace_id, prompt_ids)
        if len(rows) != len(set(prompt_ids)):
            raise Invalid("No such prompt in this workspace.", field="promptIds")
        chosen = await _with_snippets(storage, workspace_id, rows)
    return ExportScope(workspace_id, found[0].name, chosen, responses)


async def _with_snippets(
    storage: Storage, workspace_id: int, rows: Sequence[sa.Row[Any]]
) -> frozenset[int]:
    """The chosen prompts and every prompt they include, however deep (bounded)."""
    ids = {row.id for row in rows}
    seen = {row.name for row in rows}
    wanted = set().union(*(snippet_names(row.content) for row in rows)) - seen
    for _ in range(MAX_SNIPPET_DEPTH):
        if not wanted:
            break
        found = await storage.snippet_sources(workspace_id, sorted(wanted))
        seen |= wanted
        ids |= {row.id for row in found}
        wanted = set().union(*(snippet_names(row.content) for row in found)) - seen
    return frozenset(ids)


@dataclass
class Header:
    """What comes before the prompts: categories and tags."""

    categories: list[dict[str, Any]]
    tags: list[str]
    category_names: dict[int, str]


async def read_header(factory: SessionFactory, scope: ExportScope) -> Header:
    async with unit_of_work(factory) as session:
        storage = Storage(session)
        categories = await storage.workspace_categories(scope.workspace_id)
        tags = await storage.workspace_tags(scope.workspace_id)
    docs = [
        {"name": c.name, **({"description": c.description} if c.description else {})}
        for c in categories
    ]
    return Header(docs, tags, {c.id: c.name for c in categories})


def parameters_doc(parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Stored parameters (snake_case) as the API shows them (camelCase)."""
    if not parameters:
        return None
    return PromptParameters.model_validate(parameters).model_dump(by_alias=True, exclude_none=True)


def version_doc(row: sa.Row[Any]) -> dict[str, Any]:
    """One version as the document holds it: a chat prompt's content is left out (it is
    made from the messages)."""
    doc: dict[str, Any] = {"version": row.version, "title": row.title, "type": row.type}
    if row.type == "chat":
        doc["messages"] = row.messages
    else:
        doc["content"] = row.content
    optional = (
        ("schema", row.output_schema),
        ("tools", row.tools),
        ("model", row.model),
        ("parameters", parameters_doc(row.parameters)),
        ("message", row.message),
    )
    doc.update((key, value) for key, value in optional if value is not None)
    doc["createdAt"] = iso(row.created_at)
    return doc


def response_doc(row: sa.Row[Any]) -> dict[str, Any]:
    doc = {
        "version": row.version,
        "model": row.model,
        "status": row.status,
        "content": row.content,
        "renderedInput": row.rendered_input,
        "variables": row.variables,
        "parameters": parameters_doc(row.parameters),
        "inputTokens": row.input_tokens,
        "outputTokens": row.output_tokens,
        "costUsd": row.cost_usd,
        "rating": row.rating,
        "ratingNote": row.rating_note,
        "createdAt": iso(row.created_at),
    }
    return {key: value for key, value in doc.items() if value is not None}


def _by_prompt(rows: Sequence[sa.Row[Any]]) -> dict[int, list[sa.Row[Any]]]:
    grouped: dict[int, list[sa.Row[Any]]] = {}
    for row in rows:
        grouped.setdefault(row.prompt_id, []).append(row)
    return grouped


async def prompt_pages(
    factory: SessionFactory, scope: ExportScope, category_names: dict[int, str]
) -> AsyncIterator[list[dict[str, Any]]]:
    """The prompts in name order, a page of documents at a time."""
    after: str | None = None
    ids = sorted(scope.prompt_ids) if scope.prompt_ids is not None else None
    while True:
        async with unit_of_work(factory) as session:
            storage = Storage(session)
            prompts = await storage.prompt_page(
                scope.workspace_id, after_name=after, limit=PAGE, ids=ids
            )
            if not prompts:
                return
            page_ids = [p.id for p in prompts]
            versions = _by_prompt(await storage.versions_of(page_ids))
            tags = await storage.tags_of(page_ids)
            labels = _by_prompt(await storage.label_rows_of(page_ids))
            events = _by_prompt(await storage.label_events_of(page_ids))
            answers = _by_prompt(await storage.responses_of(page_ids)) if scope.responses else {}
        after = prompts[-1].name
        page = []
        for prompt in prompts:
            doc: dict[str, Any] = {"name": prompt.name}
            if prompt.category_id is not None:
                doc["category"] = category_names.get(prompt.category_id)
            doc["tags"] = sorted(tags.get(prompt.id, []))
            doc["versions"] = [version_doc(v) for v in versions.get(prompt.id, [])]
            doc["labels"] = {row.label: row.version for row in labels.get(prompt.id, [])}
            doc["labelHistory"] = [
                {
                    "label": e.label,
                    "from": e.from_version,
                    "to": e.to_version,
                    **({"note": e.note} if e.note else {}),
                    "at": iso(e.occurred_at),
                }
                for e in events.get(prompt.id, [])
            ]
            if scope.responses:
                doc["responses"] = [response_doc(r) for r in answers.get(prompt.id, [])]
            page.append(doc)
        yield page


async def test_set_docs(
    factory: SessionFactory, scope: ExportScope
) -> AsyncIterator[dict[str, Any]]:
    """The workspace's test sets with their rows (none when only some prompts are chosen)."""
    if scope.prompt_ids is not None:
        return
    async with unit_of_work(factory) as session:
        sets = await Storage(session).workspace_test_sets(scope.workspace_id)
    for test_set in sets:
        rows: list[dict[str, Any]] = []
        after = 0
        while True:
            async with unit_of_work(factory) as session:
                page = await Storage(session).list_test_rows(
                    test_set.id, after_id=after, limit=ROW_PAGE
                )
            if not page:
                break
            after = page[-1].id
            for row in page:
                doc: dict[str, Any] = {"variables": row.variables}
                optional = (
                    ("expected", row.expected),
                    ("assertions", row.assertions),
                    ("metadata", row.meta),
                )
                doc.update((key, value) for key, value in optional if value is not None)
                rows.append(doc)
        doc = {"name": test_set.name}
        if test_set.description:
            doc["description"] = test_set.description
        doc["assertions"] = test_set.assertions
        if test_set.threshold is not None:
            doc["threshold"] = test_set.threshold
        doc["rows"] = rows
        yield doc
