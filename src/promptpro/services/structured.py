"""Structured output: does an answer parse as JSON and fit the prompt's schema?"""

from __future__ import annotations

import json
from typing import Any

from jsonschema.validators import validator_for

# Enough to see what is wrong; a long list of the same failure says nothing more.
MAX_FAILURES = 20


def check_output(text: str, schema: dict[str, Any] | None) -> tuple[bool | None, list[str] | None]:
    """(fits, failures): None, None without a schema; False with the reasons otherwise."""
    if schema is None:
        return None, None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return False, [f"The output is not JSON: {exc}."]
    validator = validator_for(schema)(schema)
    failures = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(part) for part in error.absolute_path)
        failures.append(f"/{where}: {error.message}" if where else error.message)
        if len(failures) == MAX_FAILURES:
            break
    return not failures, failures or None
