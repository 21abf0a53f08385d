"""Prompt templates: `{{name}}` placeholders, filled from the run's variables."""

from __future__ import annotations

import re

from promptpro.errors import Invalid

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def variables_in(content: str) -> list[str]:
    """The names of the placeholders in `content`, each once, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(content)))


def render(content: str, variables: dict[str, str]) -> str:
    """`content` with every placeholder replaced; a missing variable is Invalid, by name."""
    missing = [name for name in variables_in(content) if name not in variables]
    if missing:
        names = ", ".join(missing)
        raise Invalid(
            f"Missing template variable{'s' if len(missing) > 1 else ''}: {names}.",
            field=f"variables.{missing[0]}",
        )
    # One pass, so a value that itself looks like {{other}} is left as the user typed it.
    return PLACEHOLDER.sub(lambda match: variables[match.group(1)], content)
