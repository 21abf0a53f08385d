"""Prompt names (`support/triage-email`: `/` makes folders) and label names."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

NAME_MAX = 200
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
NAME_PATTERN = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
LABEL_MAX = 40
LABEL_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
# Computed, never stored: the newest version. It can't be set, moved or removed.
LATEST = "latest"
DEFAULT_LABEL = "production"


def check_prompt_name(value: str) -> str:
    """A prompt name: segments of letters, digits, `.`, `_`, `-` (each starting with a letter
    or digit) joined by `/`; at most NAME_MAX characters."""
    if len(value) > NAME_MAX:
        raise ValueError(f"a name is at most {NAME_MAX} characters")
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            "a name is letters, digits, '.', '_' and '-', in parts joined by '/'"
            " (each part starting with a letter or digit), e.g. support/triage-email"
        )
    return value


def check_label(value: str) -> str:
    """A label name: lower-case letters, digits, `.`, `_`, `-`; at most LABEL_MAX."""
    if len(value) > LABEL_MAX:
        raise ValueError(f"a label is at most {LABEL_MAX} characters")
    if not LABEL_PATTERN.fullmatch(value):
        raise ValueError(
            "a label is lower-case letters, digits, '.', '_' and '-', starting with a letter"
            " or digit, e.g. production"
        )
    return value


PromptName = Annotated[
    str, StringConstraints(min_length=1, max_length=1_000), AfterValidator(check_prompt_name)
]
LabelName = Annotated[
    str, StringConstraints(min_length=1, max_length=1_000), AfterValidator(check_label)
]


def slug(title: str) -> str:
    """A one-part name made from a title (ASCII, lower-case; `/` becomes `-`)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9._-]+", "-", text).strip("-._")
    return text[:NAME_MAX].strip("-._") or "prompt"


def numbered(base: str, n: int) -> str:
    """`base` with `-n` appended (n > 1), kept within NAME_MAX."""
    if n <= 1:
        return base
    suffix = f"-{n}"
    return base[: NAME_MAX - len(suffix)] + suffix
