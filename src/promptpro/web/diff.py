"""Differences between two versions of a prompt, line by line, for the versions page."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from promptpro.schemas.library import PromptVersionRead

CONTEXT_LINES = 3
MAX_DIFF_LINES = 2_000  # the default of PROMPTPRO_DIFF_MAX_LINES


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


Opcode = tuple[str, int, int, int, int]


def _trimmed_opcodes(a: list[str], b: list[str], max_lines: int) -> list[Opcode] | None:
    """Opcodes for `a` -> `b`, or None when the changed stretch is too long to diff.

    The lines both texts start and end with are matched in linear time; only the stretch
    between is given to SequenceMatcher, whose cost grows with the product of its two
    sides (a 16,000-line text took a minute), so that stretch is bounded by `max_lines`.
    """
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if max(len(middle_a), len(middle_b)) > max_lines:
        return None
    opcodes: list[Opcode] = [("equal", 0, start, 0, start)] if start else []
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        opcodes.append((tag, i1 + start, i2 + start, j1 + start, j2 + start))
    if end:
        opcodes.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return opcodes


def _grouped(opcodes: list[Opcode], context: int) -> list[list[Opcode]]:
    """The changes in hunks with `context` equal lines around each (as difflib groups them)."""
    codes = list(opcodes)
    if not codes:
        return []
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    groups.append(group)
    return [g for g in groups if any(code[0] != "equal" for code in g)]


def line_diff(
    old: str, new: str, context: int = CONTEXT_LINES, max_lines: int = MAX_DIFF_LINES
) -> list[DiffLine] | None:
    """The changed lines of `old` -> `new`, with `context` unchanged lines around each.

    None when more than `max_lines` lines (on either side) lie between the first and the
    last change: too large to diff line by line. CPU-bound: call it off the event loop.
    """
    a, b = old.splitlines(), new.splitlines()
    opcodes = _trimmed_opcodes(a, b, max_lines)
    if opcodes is None:
        return None
    lines: list[DiffLine] = []
    groups = _grouped(opcodes, context)
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


def version_text(version: PromptVersionRead) -> str:
    """What a version's wording diff compares: its text (a chat prompt's messages as
    "role: text" blocks), then its output schema and tools as indented JSON."""
    parts = [version.content]
    if version.output_schema is not None:
        schema = json.dumps(version.output_schema, indent=2, ensure_ascii=False)
        parts.append(f"output schema:\n{schema}")
    if version.tools:
        tools = [tool.model_dump() for tool in version.tools]
        parts.append(f"tools:\n{json.dumps(tools, indent=2, ensure_ascii=False)}")
    return "\n\n".join(parts)


def field_changes(old: PromptVersionRead, new: PromptVersionRead) -> list[FieldChange]:
    """The title, type, model and parameters that differ between two versions."""
    changes = []
    if old.title != new.title:
        changes.append(FieldChange("Title", old.title, new.title))
    if old.type != new.type:
        changes.append(FieldChange("Type", old.type, new.type))
    if old.model != new.model:
        changes.append(FieldChange("Model", old.model or "none", new.model or "none"))
    old_parameters, new_parameters = _parameters_text(old), _parameters_text(new)
    for name in sorted(old_parameters.keys() | new_parameters.keys()):
        before, after = old_parameters.get(name, "not set"), new_parameters.get(name, "not set")
        if before != after:
            changes.append(FieldChange(name, before, after))
    return changes
