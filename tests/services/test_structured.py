"""Whether an answer fits the prompt's schema, and a chat prompt's variables filled in."""

from __future__ import annotations

import pytest

from promptpro.errors import Invalid
from promptpro.services.structured import MAX_FAILURES, check_output
from promptpro.services.templates import render_messages

SCHEMA = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {"type": "integer"}}},
    "required": ["items"],
}


def test_no_schema_means_no_verdict() -> None:
    assert check_output("anything", None) == (None, None)


def test_output_that_fits_has_no_failures() -> None:
    assert check_output('{"items": [1, 2]}', SCHEMA) == (True, None)


def test_output_that_is_not_json_says_so() -> None:
    fits, failures = check_output("Sure! Here it is:", SCHEMA)
    assert fits is False
    assert failures is not None and "not JSON" in failures[0]


def test_each_failure_names_where_it_is_and_they_are_bounded() -> None:
    fits, failures = check_output('{"items": ["a", 2, "b"]}', SCHEMA)
    assert fits is False
    assert failures == [
        "/items/0: 'a' is not of type 'integer'",
        "/items/2: 'b' is not of type 'integer'",
    ]
    many = '{"items": [' + ", ".join('"x"' for _ in range(50)) + "]}"
    assert len(check_output(many, SCHEMA)[1] or []) == MAX_FAILURES


def test_every_message_is_rendered_and_a_missing_variable_named_once() -> None:
    messages = [
        {"role": "system", "content": "About {{topic}}"},
        {"role": "user", "content": "{{topic}} and {{more}}"},
    ]
    assert render_messages(messages, {"topic": "tea", "more": "cake"}) == [
        {"role": "system", "content": "About tea"},
        {"role": "user", "content": "tea and cake"},
    ]
    with pytest.raises(Invalid) as caught:
        render_messages(messages, {"topic": "tea"})
    assert caught.value.field == "variables.more"
    with pytest.raises(Invalid):
        render_messages(messages, {"topic": "x" * 100, "more": ""}, max_length=50)
