"""Short texts for lists: an answer's first line as plain text, a run's variables, a status."""

from __future__ import annotations

import html
from typing import Any

import nh3

from promptpro.web.markdown import render_markdown

EXCERPT_LENGTH = 160
VARIABLE_LENGTH = 40

# Page words for a run's status; "cancelled" (the API's word) reads "Stopped": the user
# stopped it.
STATUS_LABELS = {
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Stopped",
}


def status_label(status: str) -> str:
    """What the pages call a run's status."""
    return STATUS_LABELS.get(str(status), str(status).capitalize())


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def first_line(markdown: str | None, length: int = EXCERPT_LENGTH) -> str:
    """The first line of an answer as the reader sees it: rendered, tags dropped, shortened."""
    if not markdown:
        return ""
    text = html.unescape(nh3.clean(str(render_markdown(markdown)), tags=set()))
    for line in text.splitlines():
        if line.strip():
            return _shorten(" ".join(line.split()), length)
    return ""


def short_variables(variables: dict[str, Any] | None, length: int = VARIABLE_LENGTH) -> str:
    """`name=value` for each variable, each value on one line and shortened; an image
    variable (a stored image, not text) as `name=[image]`."""
    if not variables:
        return ""
    parts = []
    for name, value in variables.items():
        if not isinstance(value, str):
            parts.append(f"{name}=[image]")
            continue
        shown = _shorten(" ".join(value.split()), length) if value.strip() else "(left empty)"
        parts.append(f"{name}={shown}")
    return " · ".join(parts)
