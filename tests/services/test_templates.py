"""Prompt templates: `{{name}}` placeholders filled from a run's variables."""

import pytest

from promptpro.errors import Invalid
from promptpro.services.templates import render, variables_in


def test_variables_are_listed_once_in_order_of_appearance() -> None:
    assert variables_in("{{b}} and {{ a }} then {{b}}") == ["b", "a"]


def test_text_that_only_looks_like_a_placeholder_is_not_one() -> None:
    assert variables_in("{{ 1x }} {x} {{}} {{a-b}}") == []


def test_every_placeholder_is_replaced_by_its_value() -> None:
    assert render("Hi {{name}}, {{ name }}!", {"name": "Ada"}) == "Hi Ada, Ada!"


def test_a_value_that_looks_like_a_placeholder_is_kept_as_typed() -> None:
    assert render("{{a}} {{b}}", {"a": "{{b}}", "b": "x"}) == "{{b}} x"


def test_variables_the_template_does_not_use_are_ignored() -> None:
    assert render("plain", {"unused": "x"}) == "plain"


def test_a_missing_variable_is_invalid_and_named() -> None:
    with pytest.raises(Invalid) as raised:
        render("{{topic}} for {{audience}}", {"topic": "x"})
    assert raised.value.field == "variables.audience"
    assert "audience" in raised.value.detail
