"""Differences between two versions of a prompt, line by line, for the versions page."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from promptpro.schemas.library import PromptVersionRead

CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: `same`, `added`, `removed`, or `gap` (unchanged lines skipped)."""

    kind: str
    old_number: int | None
    new_number: int | None
    text: str


@dataclass(frozen=True)
class FieldChange:
    """A one-line field (title, model, a parameter) that differs between the versions."""

    name: str
    old: str
    new: str


def line_diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """The changed lines of `old` -> `new`, with `context` unchanged lines around each."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    groups = list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context))
    for index, group in enumerate(groups):
        if index or group[0][1] > 0:
            lines.append(DiffLine("gap", None, None, "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            lines += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
    if groups and groups[-1][-1][2] < len(a):
        lines.append(DiffLine("gap", None, None, "…"))
    return lines


def _parameters_text(version: PromptVersionRead) -> dict[str, str]:
    if version.parameters is None:
        return {}
    data = version.parameters.model_dump(exclude_none=True, by_alias=True)
    return {name: json.dumps(value, ensure_ascii=False) for name, value in data.items()}


def field_changes(old: PromptVersionRead, new: PromptVersionRead) -> list[FieldChange]:
    """The title, model and parameters that differ between two versions."""
    changes = []
    if old.title != new.title:
        changes.append(FieldChange("Title", old.title, new.title))
    if old.model != new.model:
        changes.append(FieldChange("Model", old.model or "none", new.model or "none"))
    old_parameters, new_parameters = _parameters_text(old), _parameters_text(new)
    for name in sorted(old_parameters.keys() | new_parameters.keys()):
        before, after = old_parameters.get(name, "not set"), new_parameters.get(name, "not set")
        if before != after:
            changes.append(FieldChange(name, before, after))
    return changes
