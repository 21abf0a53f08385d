"""Importing a parsed library into a workspace, under a conflict policy, with a report.

Every value is checked with the API's own schemas (`schemas/portability.py`), models with
`prompts.check_model`, labels with the label rules (a protected label is set only for
those who may move it; otherwise it is reported, not set). New prompts are written by
storage's bulk inserts, several hundred to a statement: the prompt service's one prompt at
a time took minutes for 10,000 prompts (docs/PERFORMANCE.md). Changes to existing prompts
(`onConflict=version`) and test sets are few and go one by one.

The whole import is the request's unit of work: a bad item anywhere is a 422 naming it
and nothing is stored. A dry run reads what it needs and writes nothing.

Idempotent: a prompt whose newest imported version equals its current state is skipped,
as is a test set with the same rows, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from promptpro.db.models import Workspace
from promptpro.db.types import utcnow
from promptpro.errors import Invalid
from promptpro.schemas.library import CategoryCreate
from promptpro.schemas.names import LATEST, numbered
from promptpro.schemas.portability import (
    CategoryDoc,
    ExportFormat,
    ImportCounts,
    ImportItem,
    ImportReport,
    ItemKind,
    OnConflict,
    PromptDoc,
    TestSetDoc,
    VersionDoc,
)
from promptpro.services import audit, permissions
from promptpro.services.audit import Action
from promptpro.services.labels import label_name, protected_labels
from promptpro.services.portability.library import ParsedLibrary
from promptpro.services.prompts import check_model
from promptpro.services.test_sets import row_values, stored_assertions
from promptpro.services.workspaces import require_in
from promptpro.storage import Storage
from promptpro.storage.portability import TABLES
from promptpro.storage.prompts import VERSIONED_FIELDS

BATCH = 500
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ImportOptions:
    """How to import: the file's format, whether to write, what to do on a name clash."""

    format: ExportFormat = "promptpro"
    dry_run: bool = False
    on_conflict: OnConflict = "skip"
    max_rows: int = 10_000


def validated(model: type[M], raw: object, where: str) -> M:
    """`raw` as `model`, or Invalid naming the first fault (`prompts.3.versions.0.title`)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in (where, *error["loc"]))
        raise Invalid(f"{path}: {error['msg']}", field=path) from None


def stored_version(version: VersionDoc) -> dict[str, Any]:
    """A version's columns, as `storage.prompts` stores them."""
    values = version.model_dump(include={"title", "content", "type", "model"})
    values["messages"] = (
        [m.model_dump() for m in version.messages] if version.messages is not None else None
    )
    values["output_schema"] = version.output_schema
    values["tools"] = [t.model_dump() for t in version.tools] if version.tools else None
    parameters = version.parameters
    values["parameters"] = parameters.model_dump(exclude_none=True) if parameters else None
    return values


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class Importer:
    """One import into one workspace, for one actor."""

    def __init__(
        self,
        storage: Storage,
        actor_id: str,
        workspace: Workspace,
        role: str,
        options: ImportOptions,
    ) -> None:
        self.storage = storage
        self.actor_id = actor_id
        self.workspace_id = workspace.id
        self.options = options
        self.protected = set(protected_labels(workspace))
        self.may_protect = permissions.role_allows(role, "labels.move.protected")
        self.lists: dict[str, list[ImportItem]] = {
            key: [] for key in ("created", "updated", "skipped", "conflicts", "not_carried")
        }
        self.seen: set[str] = set()  # prompt names met in the file
        self.taken: set[str] = set()  # names this import gave (a dry run writes none)
        self.models: set[str] = set()
        self.categories: dict[str, int | None] = {}
        self.wrote = False

    def note(self, where: str, kind: ItemKind, name: str, detail: str | None = None) -> None:
        self.lists[where].append(ImportItem(kind=kind, name=name, detail=detail))

    @property
    def dry(self) -> bool:
        return self.options.dry_run

    async def run(self, library: ParsedLibrary) -> ImportReport:
        for item in library.not_carried:
            self.lists["not_carried"].append(item)
        rows = await self.storage.workspace_categories(self.workspace_id)
        self.categories = {row.name.lower(): row.id for row in rows}
        for index, raw in enumerate(library.categories):
            doc = validated(CategoryDoc, raw, f"categories.{index}")
            await self._category(doc.name, doc.description)
        batch: list[PromptDoc] = []
        for index, raw in enumerate(library.prompts):
            batch.append(await self._prompt_doc(index, raw))
            if len(batch) >= BATCH:
                await self._prompts(batch)
                batch = []
        if batch:
            await self._prompts(batch)
        await self._test_sets(library.test_sets)
        if self.wrote:
            await self.storage.prompts_changed(self.workspace_id)
            counts = {key: len(items) for key, items in self.lists.items()}
            await audit.record(
                self.storage,
                Action.LIBRARY_IMPORTED,
                f"Imported a {self.options.format} file into workspace {self.workspace_id}: "
                f"{counts['created']} created, {counts['updated']} updated",
                actor_id=self.actor_id,
                object_type="workspace",
                object_id=self.workspace_id,
                workspace_id=self.workspace_id,
            )
        return self.report()

    def report(self) -> ImportReport:
        lists = self.lists
        return ImportReport(
            format=self.options.format,
            dry_run=self.dry,
            on_conflict=self.options.on_conflict,
            created=lists["created"],
            updated=lists["updated"],
            skipped=lists["skipped"],
            conflicts=lists["conflicts"],
            not_carried=lists["not_carried"],
            counts=ImportCounts(**{key: len(items) for key, items in lists.items()}),
        )

    # --- categories -------------------------------------------------------------------

    async def _category(self, name: str, description: str | None = None) -> int | None:
        """The id of the workspace's category of this name (any case), made if missing."""
        key = name.lower()
        if key in self.categories:
            return self.categories[key]
        self.note("created", "category", name)
        category_id = None
        if not self.dry:
            data = CategoryCreate(name=name, description=description)
            category_id = (
                await self.storage.create_category(self.actor_id, data, self.workspace_id)
            ).id
            self.wrote = True
        self.categories[key] = category_id
        return category_id

    # --- prompts ----------------------------------------------------------------------

    async def _prompt_doc(self, index: int, raw: object) -> PromptDoc:
        where = f"prompts.{index}"
        doc = validated(PromptDoc, raw, where)
        if doc.name in self.seen:
            raise Invalid(f"{where}.name: two prompts are named {doc.name}.", field=f"{where}.name")
        self.seen.add(doc.name)
        for version in doc.versions:
            if version.model is not None and version.model not in self.models:
                try:
                    await check_model(self.storage, self.actor_id, version.model)
                except Invalid as exc:
                    raise Invalid(f"{where}: {exc.detail}", field=f"{where}.model") from None
                self.models.add(version.model)
        return doc

    async def _prompts(self, batch: list[PromptDoc]) -> None:
        rows = await self.storage.current_by_name(self.workspace_id, [d.name for d in batch])
        existing = {row.name: row for row in rows}
        new: list[tuple[str, PromptDoc]] = []
        for doc in batch:
            row = existing.get(doc.name)
            if row is None and doc.name not in self.taken:
                new.append((doc.name, doc))
                continue
            imported = stored_version(doc.versions[-1])
            current = {field: getattr(row, field) for field in VERSIONED_FIELDS} if row else {}
            if _canonical(current) == _canonical(imported):
                self.note("skipped", "prompt", doc.name, "unchanged")
                continue
            policy = self.options.on_conflict
            if policy == "rename":
                name = await self._free_name(doc.name)
                self.note("conflicts", "prompt", doc.name, f"name taken: imported as {name}")
                new.append((name, doc))
            elif policy == "version" and row is not None:
                number = "a new version"
                if not self.dry:
                    values = {**imported, "message": doc.versions[-1].message or "Imported"}
                    number = f"version {await self.storage.add_version_row(row.id, values)}"
                    self.wrote = True
                self.note("conflicts", "prompt", doc.name, f"name taken: added as {number}")
                self.note("updated", "prompt", doc.name, f"added {number}")
            else:
                self.note("conflicts", "prompt", doc.name, "name taken: skipped")
                self.note("skipped", "prompt", doc.name, "name taken")
        await self._create(new)

    async def _free_name(self, base: str) -> str:
        n = 2
        while (name := numbered(base, n)) in self.taken or await self.storage.name_taken(
            self.workspace_id, name
        ):
            n += 1
        return name

    def _labels(self, name: str, doc: PromptDoc) -> dict[str, int]:
        """The labels to set: valid, pointing at a version of the file, and movable by the
        actor; each one left out is reported."""
        numbers = {v.version for v in doc.versions}
        kept: dict[str, int] = {}
        for label, number in sorted(doc.labels.items()):
            if label == LATEST:
                continue  # computed here too: the newest version
            where = f"{name}@{label}"
            try:
                label_name(label)
            except Invalid as exc:
                self.note("not_carried", "label", where, exc.detail)
                continue
            if number not in numbers:
                self.note("not_carried", "label", where, f"version {number} is not in the file")
            elif label in self.protected and not self.may_protect:
                detail = "a protected label: only an admin or owner may set it"
                self.note("not_carried", "label", where, detail)
            else:
                kept[label] = number
        return kept

    async def _create(self, new: list[tuple[str, PromptDoc]]) -> None:
        plans = []
        for name, doc in new:
            self.taken.add(name)
            labels = self._labels(name, doc)
            category_id = await self._category(doc.category) if doc.category else None
            count = len(doc.versions)
            self.note("created", "prompt", name, f"{count} version{'s' if count > 1 else ''}")
            if doc.responses:
                detail = (
                    f"{len(doc.responses)} responses: a response records a run on the "
                    "server that made it, and is not imported"
                )
                self.note("not_carried", "response", name, detail)
            plans.append((name, doc, labels, category_id))
        if self.dry or not plans:
            return
        now = utcnow()
        ids = await self.storage.insert_prompts(
            self.workspace_id,
            [
                {
                    "user_id": self.actor_id,
                    "workspace_id": self.workspace_id,
                    "name": name,
                    "category_id": category_id,
                    "run_count": 0,
                    **stored_version(doc.versions[-1]),
                }
                for name, doc, _, category_id in plans
            ],
        )
        versions, tags, label_rows, events = [], [], [], []
        for prompt_id, (_, doc, labels, _) in zip(ids, plans, strict=True):
            for version in doc.versions:
                versions.append(
                    {
                        "prompt_id": prompt_id,
                        "version": version.version,
                        "message": version.message,
                        "created_at": version.created_at or now,
                        **stored_version(version),
                    }
                )
            tags += [{"prompt_id": prompt_id, "tag": tag} for tag in doc.tags]
            label_rows += [
                {
                    "prompt_id": prompt_id,
                    "label": label,
                    "version": number,
                    "updated_by": self.actor_id,
                }
                for label, number in labels.items()
            ]
            history = [e for e in doc.label_history if e.label in labels]
            told = {e.label for e in history}
            history_rows = [(e.label, e.from_, e.to, e.note, e.at or now) for e in history] + [
                (label, None, labels[label], "Imported", now)
                for label in labels
                if label not in told
            ]
            events += [
                {
                    "prompt_id": prompt_id,
                    "label": label,
                    "from_version": from_version,
                    "to_version": to_version,
                    "actor_id": self.actor_id,
                    "note": note,
                    "occurred_at": at,
                }
                for label, from_version, to_version, note, at in history_rows
            ]
        for table, rows in (
            ("versions", versions),
            ("tags", tags),
            ("labels", label_rows),
            ("label_events", events),
        ):
            await self.storage.insert_rows(TABLES[table], rows)
        self.wrote = True

    # --- test sets --------------------------------------------------------------------

    async def _test_sets(self, docs: Iterable[object]) -> None:
        existing = await self.storage.test_sets_by_lower_name(self.workspace_id)
        given: set[str] = set()
        for index, raw in enumerate(docs):
            where = f"testSets.{index}"
            doc = validated(TestSetDoc, raw, where)
            if len(doc.rows) > self.options.max_rows:
                detail = f"{where}.rows: a test set holds at most {self.options.max_rows} rows."
                raise Invalid(detail, field=f"{where}.rows")
            rows = [row_values(row) for row in doc.rows]
            found = existing.get(doc.name.lower())
            if found is None and doc.name.lower() not in given:
                await self._new_test_set(doc.name, doc, rows)
                given.add(doc.name.lower())
                continue
            old = [] if found is None else await self.storage.all_test_rows(found.id)
            old_keys = [
                _canonical(_row_key(r.variables, r.expected, r.assertions, r.meta)) for r in old
            ]
            new_keys = [_canonical(_row_key(**_key_args(r))) for r in rows]
            if found is not None and old_keys == new_keys:
                self.note("skipped", "testSet", doc.name, "unchanged")
                continue
            policy = self.options.on_conflict
            if policy == "rename":
                n = 2
                while (name := f"{doc.name}-{n}").lower() in existing or name.lower() in given:
                    n += 1
                self.note("conflicts", "testSet", doc.name, f"name taken: imported as {name}")
                await self._new_test_set(name, doc, rows)
                given.add(name.lower())
            elif policy == "version" and found is not None:
                have = set(old_keys)
                missing = [r for r, key in zip(rows, new_keys, strict=True) if key not in have]
                if len(old) + len(missing) > self.options.max_rows:
                    raise Invalid(
                        f"{where}.rows: the set would hold more than {self.options.max_rows} rows.",
                        field=f"{where}.rows",
                    )
                if missing and not self.dry:
                    await self.storage.add_test_rows(found.id, missing)
                    await self.storage.touch_test_set(found.id)
                    self.wrote = True
                detail = f"name taken: {len(missing)} rows added"
                self.note("conflicts", "testSet", doc.name, detail)
                self.note("updated", "testSet", doc.name, f"{len(missing)} rows added")
            else:
                self.note("conflicts", "testSet", doc.name, "name taken: skipped")
                self.note("skipped", "testSet", doc.name, "name taken")

    async def _new_test_set(self, name: str, doc: TestSetDoc, rows: list[dict[str, Any]]) -> None:
        self.note("created", "testSet", name, f"{len(rows)} rows")
        if self.dry:
            return
        test_set = await self.storage.create_test_set(
            self.actor_id,
            self.workspace_id,
            name=name,
            description=doc.description,
            assertions=stored_assertions(doc.assertions) or [],
            threshold=doc.threshold,
        )
        if rows:
            await self.storage.add_test_rows(test_set.id, rows)
        self.wrote = True


def _row_key(variables: object, expected: object, assertions: object, meta: object) -> list[object]:
    return [variables, expected, assertions, meta]


def _key_args(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "variables": row["variables"],
        "expected": row["expected"],
        "assertions": row["assertions"],
        "meta": row["meta"],
    }


async def import_access(
    storage: Storage, actor_id: str, workspace_id: int
) -> tuple[Workspace, str]:
    """The workspace and the actor's role, if they may import into it (NotFound for a
    non-member, Forbidden naming the role otherwise): checked before the file is read."""
    role = await require_in(storage, actor_id, workspace_id, "library.import")
    found = await storage.get_membership(actor_id, workspace_id)
    assert found is not None  # require_in found it
    return found[0], role


async def import_library(
    storage: Storage,
    actor_id: str,
    workspace_id: int,
    library: ParsedLibrary,
    options: ImportOptions,
) -> ImportReport:
    """Import a parsed library, if the actor may write the workspace's library."""
    workspace, role = await import_access(storage, actor_id, workspace_id)
    return await Importer(storage, actor_id, workspace, role, options).run(library)
