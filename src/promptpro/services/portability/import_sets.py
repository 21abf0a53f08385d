"""Importing test sets: the part of `import_.Importer` that handles them.

A set whose name (any case) is free is created with its rows; one with the same rows is
skipped; otherwise the conflict policy decides: skip, rename (`name-2`), or version (the
rows the set lacks are added, within `PROMPTPRO_TEST_SET_MAX_ROWS`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from promptpro.errors import Invalid
from promptpro.schemas.portability import ItemKind, TestSetDoc
from promptpro.services.test_sets import row_values, stored_assertions

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:
    from promptpro.services.portability.import_ import ImportOptions
    from promptpro.storage import Storage


def validated(model: type[M], raw: object, where: str) -> M:
    """`raw` as `model`, or Invalid naming the first fault (`prompts.3.versions.0.title`)."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in (where, *error["loc"]))
        raise Invalid(f"{path}: {error['msg']}", field=path) from None


def canonical(value: object) -> str:
    """A value as text that compares equal exactly when the values do."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class TestSetImport:
    """Test sets for an importer (which provides storage, options, `note` and `dry`)."""

    __test__ = False
    storage: Storage
    actor_id: str
    workspace_id: int
    options: ImportOptions
    wrote: bool

    def note(self, where: str, kind: ItemKind, name: str, detail: str | None = None) -> None:
        raise NotImplementedError

    @property
    def dry(self) -> bool:
        raise NotImplementedError

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
                canonical(_row_key(r.variables, r.expected, r.assertions, r.meta)) for r in old
            ]
            new_keys = [canonical(_row_key(**_key_args(r))) for r in rows]
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
