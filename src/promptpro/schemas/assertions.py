"""An assertion: one check of a model's answer, as a test set or a row stores it.

`{type, value?, threshold?, weight?, model?, rubric?}`, plus `path` (json-path) and
`ignoreCase` (the text checks). Each type says which fields it takes; anything else is a
422 naming the field, so a stored assertion can always be evaluated. Evaluating is
`services/assertions.py`; here only the shape is checked (patterns compile, schemas are
valid schemas, paths parse), without running anything of the user's.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

import jsonschema
import regex
from jsonpath_ng.ext.parser import parse as parse_json_path
from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from promptpro.schemas.base import ModelId, NotBoolean, WriteSchema, no_nul

AssertionType = Literal[
    "equals",
    "contains",
    "contains-any",
    "contains-all",
    "not-contains",
    "regex",
    "starts-with",
    "is-json",
    "json-schema",
    "json-path",
    "max-latency",
    "max-cost",
    "max-tokens",
    "llm-rubric",
]
ASSERTION_TYPES: tuple[str, ...] = AssertionType.__args__  # type: ignore[attr-defined]

# Bounds that keep one assertion cheap to store and to evaluate.
MAX_TEXT = 10_000  # a string to compare with
MAX_ITEMS = 100  # contains-any / contains-all
MAX_PATTERN = 1_000  # a regular expression
MAX_PATH = 500  # a JSONPath
MAX_JSON_BYTES = 20_000  # a JSON schema, or a json-path's expected value
MAX_RUBRIC = 5_000
MAX_ASSERTIONS = 50

# Types comparing text: `value` is a string; omitted, the row's `expected` is used.
TEXT_TYPES = frozenset({"equals", "contains", "not-contains", "starts-with"})
LIST_TYPES = frozenset({"contains-any", "contains-all"})
CASE_TYPES = TEXT_TYPES | LIST_TYPES | {"regex"}
LIMIT_TYPES = frozenset({"max-latency", "max-cost", "max-tokens"})

Rubric = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_RUBRIC, strip_whitespace=True),
    AfterValidator(no_nul),
]
JsonPathText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_PATH, strip_whitespace=True),
    AfterValidator(no_nul),
]


def _json_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _check_strings(value: object, *, single: bool) -> None:
    items = [value] if single else value
    if not single and (not isinstance(value, list) or not value):
        raise ValueError("a non-empty list of strings")
    assert isinstance(items, list)
    if len(items) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} strings")
    for item in items:
        if not isinstance(item, str) or not item:
            raise ValueError("a non-empty string" if single else "each must be a non-empty string")
        if len(item) > MAX_TEXT:
            raise ValueError(f"a string is at most {MAX_TEXT} characters")
        no_nul(item)


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that is too long or does not compile."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"a pattern is at most {MAX_PATTERN} characters")
    try:
        regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None


def check_json_path(path: str) -> None:
    """Refuse a path jsonpath-ng can't parse."""
    try:
        parse_json_path(path)
    except Exception as exc:  # the parser raises bare Exceptions
        raise ValueError(f"not a valid JSONPath ({exc})") from None


def _kind(info: ValidationInfo) -> str | None:
    """The assertion's type, when it was valid (else its own error is reported)."""
    kind = info.data.get("type")
    return kind if isinstance(kind, str) else None


def _only_for(kinds: frozenset[str], value: object, info: ValidationInfo) -> bool:
    """Whether this field applies to the assertion's type; refuses it where it doesn't."""
    kind = _kind(info)
    if kind is None:
        return False
    if kind not in kinds:
        if value is not None:
            raise ValueError(f"{kind} does not take {to_camel(info.field_name or '')}")
        return False
    return True


RUBRIC = frozenset({"llm-rubric"})
JSON_PATH = frozenset({"json-path"})
LIMIT_UNITS = {"max-latency": "milliseconds", "max-cost": "US dollars", "max-tokens": "tokens"}


class Assertion(WriteSchema):
    """One check of an answer (see the module's docstring for the fields each type takes).

    Every field is validated against `type` (declared first) by a field validator, so a
    422 names the field at fault (`assertions.0.value`), not just the assertion.
    """

    type: AssertionType
    path: JsonPathText | None = Field(
        default=None, validate_default=True, description="json-path: the JSONPath."
    )
    model: ModelId | None = Field(
        default=None, validate_default=True, description="llm-rubric: the judge model."
    )
    rubric: Rubric | None = Field(
        default=None, validate_default=True, description="llm-rubric: what to judge."
    )
    threshold: Annotated[float, Field(ge=0, le=1), NotBoolean] | None = Field(
        default=None,
        validate_default=True,
        description="llm-rubric: the score (0-1) needed to pass (default: the judge's verdict).",
    )
    ignore_case: bool | None = Field(
        default=None,
        validate_default=True,
        description="Text checks and regex: compare regardless of case.",
    )
    weight: Annotated[float, Field(ge=0, le=1_000), NotBoolean] | None = Field(
        default=None, description="Its weight in the weighted score (default 1)."
    )
    value: Any = Field(default=None, validate_default=True)

    @field_validator("path", mode="after")
    @classmethod
    def _path(cls, path: str | None, info: ValidationInfo) -> str | None:
        if _only_for(JSON_PATH, path, info):
            if path is None:
                raise ValueError("json-path needs a path, e.g. $.answer")
            check_json_path(path)
        return path

    @field_validator("model", "rubric", "threshold", mode="after")
    @classmethod
    def _judge(cls, value: object, info: ValidationInfo) -> object:
        if _only_for(RUBRIC, value, info) and value is None and info.field_name != "threshold":
            raise ValueError(f"llm-rubric needs a {info.field_name}")
        return value

    @field_validator("ignore_case", mode="after")
    @classmethod
    def _case(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        _only_for(CASE_TYPES, value, info)
        return value

    @field_validator("value", mode="after")
    @classmethod
    def _value(cls, value: object, info: ValidationInfo) -> object:
        kind = _kind(info)
        if kind is None:
            return value
        if kind in TEXT_TYPES:
            if value is not None:
                _check_strings(value, single=True)
        elif kind in LIST_TYPES:
            _check_strings(value, single=False)
        elif kind == "regex":
            if not isinstance(value, str) or not value:
                raise ValueError("regex needs a pattern (a non-empty string)")
            no_nul(value)
            check_pattern(value)
        elif kind == "json-schema":
            _check_schema(value)
        elif kind == "json-path":
            if value is not None and _json_size(value) > MAX_JSON_BYTES:
                raise ValueError(f"at most {MAX_JSON_BYTES} bytes of JSON")
        elif kind in LIMIT_TYPES:
            _check_limit(kind, value)
        elif value is not None:  # is-json, llm-rubric
            raise ValueError(f"{kind} takes no value")
        return value


def _check_schema(value: object) -> None:
    if not isinstance(value, dict):
        raise ValueError("json-schema needs a JSON schema (an object)")
    if _json_size(value) > MAX_JSON_BYTES:
        raise ValueError(f"a schema is at most {MAX_JSON_BYTES} bytes of JSON")
    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"not a valid JSON schema ({exc.message})") from None


def _check_limit(kind: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{kind} needs a number ({LIMIT_UNITS[kind]})")
    if not math.isfinite(value) or value < 0:
        raise ValueError("a finite number, zero or more")
    if kind == "max-tokens" and not float(value).is_integer():
        raise ValueError("max-tokens needs a whole number")


Assertions = Annotated[list[Assertion], Field(max_length=MAX_ASSERTIONS)]
