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


def test_the_rendered_length_is_counted_without_building_the_text() -> None:
    from promptpro.services.templates import rendered_length

    assert rendered_length("Hi {{name}}, {{ name }}!", {"name": "Ada"}) == len("Hi Ada, Ada!")
    # 20,000 placeholders of a 100,000-character value: 2 GB if built, counted instead.
    assert rendered_length("{{a}}" * 20_000, {"a": "x" * 100_000}) == 2_000_000_000


def test_a_rendered_prompt_over_the_limit_is_invalid_and_names_the_limit() -> None:
    assert render("{{a}}{{a}}", {"a": "xyz"}, max_length=6) == "xyzxyz"
    with pytest.raises(Invalid) as raised:
        render("{{a}}" * 20_000, {"a": "x" * 100_000}, max_length=1_000)
    assert raised.value.field == "variables"
    assert "1,000" in raised.value.detail and "2,000,000,000" in raised.value.detail
