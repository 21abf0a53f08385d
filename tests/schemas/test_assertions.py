"""An assertion's shape: each type takes its own fields, and a bad one is refused naming
the field at fault."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from promptpro.schemas.assertions import MAX_PATTERN, Assertion

GOOD = [
    {"type": "equals", "value": "Paris"},
    {"type": "equals"},  # the row's expected
    {"type": "contains", "value": "paris", "ignoreCase": True},
    {"type": "contains-any", "value": ["a", "b"]},
    {"type": "contains-all", "value": ["a", "b"], "weight": 2},
    {"type": "not-contains", "value": "sorry", "ignoreCase": False},
    {"type": "regex", "value": r"^\d{4}-\d{2}$"},
    {"type": "starts-with", "value": "Dear"},
    {"type": "is-json"},
    {"type": "json-schema", "value": {"type": "object", "required": ["a"]}},
    {"type": "json-path", "path": "$.answer", "value": 42},
    {"type": "json-path", "path": "$.items[?(@.ok == true)]"},
    {"type": "max-latency", "value": 1500},
    {"type": "max-cost", "value": 0.002},
    {"type": "max-tokens", "value": 200},
    {"type": "llm-rubric", "model": "openai/gpt-4o-mini", "rubric": "Polite", "threshold": 0.7},
]


@pytest.mark.parametrize("body", GOOD, ids=lambda body: body["type"])
def test_each_type_accepts_its_fields(body: dict[str, Any]) -> None:
    assert Assertion.model_validate(body).type == body["type"]


BAD = [
    # (body, field at fault)
    ({"type": "nope"}, "type"),
    ({"value": "x"}, "type"),
    ({"type": "equals", "value": 3}, "value"),
    ({"type": "equals", "value": ""}, "value"),
    ({"type": "contains", "value": "a\u0000"}, "value"),
    ({"type": "contains", "value": "x" * 10_001}, "value"),
    ({"type": "contains-any", "value": "a"}, "value"),
    ({"type": "contains-any", "value": []}, "value"),
    ({"type": "contains-all", "value": ["a", 1]}, "value"),
    ({"type": "contains-all", "value": ["a"] * 101}, "value"),
    ({"type": "regex"}, "value"),
    ({"type": "regex", "value": "("}, "value"),
    ({"type": "regex", "value": "a" * (MAX_PATTERN + 1)}, "value"),
    ({"type": "is-json", "value": "x"}, "value"),
    ({"type": "is-json", "ignoreCase": True}, "ignore_case"),
    ({"type": "json-schema"}, "value"),
    ({"type": "json-schema", "value": {"type": "nonsense"}}, "value"),
    ({"type": "json-schema", "value": {"description": "x" * 30_000}}, "value"),
    ({"type": "json-path", "value": 1}, "path"),
    ({"type": "json-path", "path": "$[?("}, "path"),
    ({"type": "json-path", "path": "$.a", "value": "x" * 30_000}, "value"),
    ({"type": "max-latency"}, "value"),
    ({"type": "max-latency", "value": "fast"}, "value"),
    ({"type": "max-latency", "value": -1}, "value"),
    ({"type": "max-cost", "value": True}, "value"),
    ({"type": "max-tokens", "value": 1.5}, "value"),
    ({"type": "llm-rubric", "rubric": "Polite"}, "model"),
    ({"type": "llm-rubric", "model": "openai/gpt-4o"}, "rubric"),
    ({"type": "llm-rubric", "model": "gpt-4o", "rubric": "r"}, "model"),
    (
        {"type": "llm-rubric", "model": "openai/gpt-4o", "rubric": "r", "threshold": 1.5},
        "threshold",
    ),
    ({"type": "llm-rubric", "model": "openai/gpt-4o", "rubric": "r", "value": "x"}, "value"),
    ({"type": "equals", "value": "x", "model": "openai/gpt-4o"}, "model"),
    ({"type": "equals", "value": "x", "threshold": 0.5}, "threshold"),
    ({"type": "contains", "value": "x", "path": "$.a"}, "path"),
    ({"type": "equals", "value": "x", "weight": -1}, "weight"),
    ({"type": "equals", "value": "x", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=lambda x: str(x)[:60])
def test_a_bad_assertion_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Assertion.model_validate(body)
    located = {str(error["loc"][0]) for error in caught.value.errors()}
    aliases = {field, field.replace("_", "")}
    assert located & (aliases | {"ignoreCase"}), caught.value.errors()
