"""Evaluating assertions: every type passes and fails with a reason; a cell's grade."""

from __future__ import annotations

from typing import Any

import pytest

from promptpro.schemas.assertions import Assertion
from promptpro.services.assertions import (
    EvalResult,
    NotJson,
    Outcome,
    evaluate,
    evaluate_cell,
    grade,
    parse_json_answer,
)
from promptpro.services.judge import JudgeRequest

RESULT = EvalResult(
    output="The capital of France is Paris.",
    latency_ms=800,
    cost_usd=0.001,
    input_tokens=12,
    output_tokens=9,
)
JSON_RESULT = EvalResult(output='```json\n{"answer": 42, "items": [{"ok": true}]}\n```')


def check(body: dict[str, Any], result: EvalResult = RESULT, **kw: Any) -> Outcome:
    return evaluate(Assertion.model_validate(body), result, **kw)


CASES = [
    # (assertion, result, passes)
    ({"type": "equals", "value": "The capital of France is Paris."}, RESULT, True),
    ({"type": "equals", "value": "Paris"}, RESULT, False),
    (
        {"type": "equals", "value": "the capital of france is paris.", "ignoreCase": True},
        RESULT,
        True,
    ),
    ({"type": "contains", "value": "Paris"}, RESULT, True),
    ({"type": "contains", "value": "paris"}, RESULT, False),
    ({"type": "contains", "value": "paris", "ignoreCase": True}, RESULT, True),
    ({"type": "contains-any", "value": ["Lyon", "Paris"]}, RESULT, True),
    ({"type": "contains-any", "value": ["Lyon", "Nice"]}, RESULT, False),
    ({"type": "contains-all", "value": ["France", "Paris"]}, RESULT, True),
    ({"type": "contains-all", "value": ["France", "Lyon"]}, RESULT, False),
    ({"type": "not-contains", "value": "London"}, RESULT, True),
    ({"type": "not-contains", "value": "paris", "ignoreCase": True}, RESULT, False),
    ({"type": "not-contains", "value": "paris"}, RESULT, True),  # case matters by default
    ({"type": "regex", "value": r"Paris\.$"}, RESULT, True),
    ({"type": "regex", "value": r"^paris"}, RESULT, False),
    ({"type": "regex", "value": r"CAPITAL", "ignoreCase": True}, RESULT, True),
    ({"type": "starts-with", "value": "The capital"}, RESULT, True),
    ({"type": "starts-with", "value": "Paris"}, RESULT, False),
    ({"type": "is-json"}, JSON_RESULT, True),
    ({"type": "is-json"}, RESULT, False),
    (
        {"type": "json-schema", "value": {"type": "object", "required": ["answer"]}},
        JSON_RESULT,
        True,
    ),
    (
        {"type": "json-schema", "value": {"type": "object", "required": ["missing"]}},
        JSON_RESULT,
        False,
    ),
    ({"type": "json-schema", "value": {"type": "object"}}, RESULT, False),
    ({"type": "json-path", "path": "$.answer", "value": 42}, JSON_RESULT, True),
    ({"type": "json-path", "path": "$.answer", "value": 41}, JSON_RESULT, False),
    ({"type": "json-path", "path": "$.items[?(@.ok == true)]"}, JSON_RESULT, True),
    ({"type": "json-path", "path": "$.nothing"}, JSON_RESULT, False),
    ({"type": "json-path", "path": "$.answer", "value": None}, JSON_RESULT, False),
    ({"type": "max-latency", "value": 1000}, RESULT, True),
    ({"type": "max-latency", "value": 500}, RESULT, False),
    ({"type": "max-cost", "value": 0.001}, RESULT, True),
    ({"type": "max-cost", "value": 0.0005}, RESULT, False),
    ({"type": "max-tokens", "value": 9}, RESULT, True),
    ({"type": "max-tokens", "value": 8}, RESULT, False),
    ({"type": "max-latency", "value": 1000}, EvalResult(output="x"), False),  # not measured
]


@pytest.mark.parametrize(("body", "result", "passes"), CASES, ids=lambda x: str(x)[:50])
def test_each_type_passes_and_fails_with_a_reason(
    body: dict[str, Any], result: EvalResult, passes: bool
) -> None:
    outcome = check(body, result)
    assert outcome.passed is passes
    assert outcome.score == (1.0 if passes else 0.0)
    assert outcome.reason
    assert outcome.type == body["type"]


def test_a_text_check_without_a_value_compares_with_the_rows_expected() -> None:
    assert check({"type": "contains"}, expected="Paris").passed
    assert not check({"type": "contains"}, expected="Lyon").passed
    missing = check({"type": "equals"})
    assert not missing.passed
    assert "expected" in missing.reason


def test_a_catastrophic_pattern_fails_on_its_timeout_instead_of_hanging() -> None:
    evil = EvalResult(output="a" * 5_000 + "!")
    outcome = check({"type": "regex", "value": r"^(a+)+$"}, evil, regex_timeout=0.01)
    assert not outcome.passed
    assert "longer than" in outcome.reason


def test_a_json_answer_is_read_as_is_or_inside_a_fence() -> None:
    assert parse_json_answer('{"a": 1}') == {"a": 1}
    assert parse_json_answer('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_answer("```\n[1]\n```") == [1]
    with pytest.raises(NotJson):
        parse_json_answer("[" * 100_000)


def test_a_schema_failure_says_where() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    outcome = check({"type": "json-schema", "value": schema}, JSON_RESULT)
    assert not outcome.passed
    assert "answer" in outcome.reason


def test_a_cell_passes_when_all_pass_or_when_the_weighted_score_reaches_the_threshold() -> None:
    ok = Outcome("contains", True, 1.0, "", weight=3)
    failed = Outcome("regex", False, 0.0, "", weight=1)
    assert grade([ok, ok]).passed
    assert not grade([ok, failed]).passed
    assert grade([ok, failed]).score == 0.75
    assert grade([ok, failed], threshold=0.75).passed
    assert not grade([ok, failed], threshold=0.8).passed
    assert grade([]).passed


def test_llm_rubric_alone_cannot_be_evaluated_without_a_judge() -> None:
    rubric = Assertion(type="llm-rubric", model="openai/gpt-4o-mini", rubric="Polite")
    with pytest.raises(ValueError, match="judge"):
        evaluate(rubric, RESULT)


async def test_a_cell_calls_the_judge_with_the_rubric_and_grades_its_verdict() -> None:
    calls: list[tuple[str, JudgeRequest]] = []

    async def judge(model: str, request: JudgeRequest) -> tuple[str, float | None]:
        calls.append((model, request))
        return '{"pass": false, "score": 0.8, "reason": "Mostly polite."}', 0.0002

    assertions = [
        Assertion(type="contains", value="Paris"),
        Assertion(type="llm-rubric", model="openai/gpt-4o-mini", rubric="Polite", threshold=0.7),
    ]
    graded = await evaluate_cell(
        assertions, RESULT, expected="Paris", variables={"country": "France"}, judge=judge
    )
    assert graded.passed
    rubric = graded.outcomes[1]
    assert (rubric.passed, rubric.score, rubric.reason) == (True, 0.8, "Mostly polite.")
    assert rubric.judge_cost_usd == 0.0002
    model, request = calls[0]
    assert model == "openai/gpt-4o-mini"
    assert "Polite" in request.user and "country: France" in request.user


async def test_an_unreadable_verdict_fails_only_its_assertion() -> None:
    async def judge(model: str, request: JudgeRequest) -> tuple[str, float | None]:
        return "I think it is fine", 0.0001

    assertions = [
        Assertion(type="contains", value="Paris", weight=1),
        Assertion(type="llm-rubric", model="openai/gpt-4o-mini", rubric="Polite"),
    ]
    graded = await evaluate_cell(assertions, RESULT, judge=judge, threshold=0.5)
    assert graded.passed  # half the weight passed, and the threshold is 0.5
    assert not graded.outcomes[1].passed
    assert "judge" in graded.outcomes[1].reason
    assert graded.outcomes[1].judge_cost_usd == 0.0001
    no_judge = await evaluate_cell(assertions, RESULT)
    assert not no_judge.passed
