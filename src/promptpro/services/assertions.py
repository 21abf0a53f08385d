"""Evaluating assertions against a model's answer: pure functions, no network, no database.

`evaluate(assertion, result)` checks one assertion (every type but llm-rubric, whose judge
is a model call: `services/judge.py` builds its prompt and reads its answer, and
`evaluate_cell` takes a callable that makes the call). `grade(outcomes, threshold)` says
whether a cell passed: all of its assertions passed, or, when the set has a threshold,
their weighted score reached it.

Nothing a user supplies runs here as code: patterns run in the `regex` engine with a
timeout, schemas in jsonschema (no remote `$ref` is fetched: `referencing` retrieves
nothing unless told to), paths in jsonpath-ng.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import regex
from jsonpath_ng.ext.parser import parse as parse_json_path

from promptpro.schemas.assertions import Assertion
from promptpro.services.judge import JudgeRequest, JudgeVerdict, judge_request, read_verdict

# A pattern's matching is stopped after this long: the `regex` engine checks the time while
# it backtracks, so `(a+)+$` against a long run of "a"s fails the assertion instead of
# holding a worker for minutes. (The standard `re` has no timeout; rejecting "dangerous"
# patterns by their shape misses too many.) Patterns are also bounded in length
# (schemas/assertions.py) and the text they search is bounded below.
REGEX_TIMEOUT_S = 0.25
# The most text a pattern searches or a JSON check parses: a longer answer fails them
# with a reason rather than costing unbounded time or memory.
MAX_CHECKED_CHARS = 1_000_000


@dataclass(frozen=True)
class EvalResult:
    """What a run produced, as the assertions see it."""

    output: str
    latency_ms: float | None = None
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class Outcome:
    """One assertion's verdict: passed, a score 0-1, why, and its weight."""

    type: str
    passed: bool
    score: float
    reason: str
    weight: float = 1.0
    # llm-rubric: what the judge's call cost (counted apart from the cell's own run).
    judge_cost_usd: float | None = None


@dataclass(frozen=True)
class CellGrade:
    """Whether a cell passed, its weighted score, and each assertion's outcome."""

    passed: bool
    score: float
    outcomes: list[Outcome] = field(default_factory=list)


def _outcome(assertion: Assertion, passed: bool, reason: str) -> Outcome:
    weight = 1.0 if assertion.weight is None else assertion.weight
    return Outcome(assertion.type, passed, 1.0 if passed else 0.0, reason, weight)


def _fold(text: str, assertion: Assertion) -> str:
    return text.casefold() if assertion.ignore_case else text


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_check(assertion: Assertion, output: str, expected: str | None) -> Outcome:
    wanted = assertion.value if assertion.value is not None else expected
    if wanted is None:
        return _outcome(assertion, False, "no value to compare with (and the row has no expected)")
    got, want = _fold(output, assertion), _fold(str(wanted), assertion)
    shown = _shorten(str(wanted))
    match assertion.type:
        case "equals":
            ok = got.strip() == want.strip()
            return _outcome(assertion, ok, "equal" if ok else f"the answer is not {shown!r}")
        case "contains":
            ok = want in got
            return _outcome(assertion, ok, f"{'contains' if ok else 'does not contain'} {shown!r}")
        case "not-contains":
            ok = want not in got
            return _outcome(assertion, ok, f"{'does not contain' if ok else 'contains'} {shown!r}")
        case _:  # starts-with
            ok = got.lstrip().startswith(want)
            verb = "starts" if ok else "does not start"
            return _outcome(assertion, ok, f"{verb} with {shown!r}")


def _list_check(assertion: Assertion, output: str) -> Outcome:
    got = _fold(output, assertion)
    items: list[str] = assertion.value
    found = [item for item in items if _fold(item, assertion) in got]
    if assertion.type == "contains-any":
        if found:
            return _outcome(assertion, True, f"contains {_shorten(found[0])!r}")
        return _outcome(assertion, False, "contains none of them")
    missing = [item for item in items if item not in found]
    if not missing:
        return _outcome(assertion, True, "contains all of them")
    return _outcome(assertion, False, f"does not contain {_shorten(missing[0])!r}")


def _regex_check(assertion: Assertion, output: str, timeout: float) -> Outcome:
    if len(output) > MAX_CHECKED_CHARS:
        return _outcome(assertion, False, f"the answer is over {MAX_CHECKED_CHARS} characters")
    flags = regex.IGNORECASE if assertion.ignore_case else 0
    try:
        found = regex.search(assertion.value, output, flags=flags, timeout=timeout)
    except TimeoutError:
        return _outcome(assertion, False, f"the pattern took longer than {timeout:g} s")
    except regex.error as exc:  # validated when saved; a stored one from elsewhere
        return _outcome(assertion, False, f"not a valid regular expression ({exc})")
    return _outcome(assertion, found is not None, "matches" if found else "does not match")


class NotJson(ValueError):
    """The answer is not JSON (the reason says why)."""


def parse_json_answer(output: str) -> Any:
    """The answer as JSON: as it is, or inside one ``` fence (models often add one)."""
    if len(output) > MAX_CHECKED_CHARS:
        raise NotJson(f"the answer is over {MAX_CHECKED_CHARS} characters")
    text = output.strip()
    if text.startswith("```") and text.endswith("```") and len(text) >= 6:
        text = text[3:-3]
        first_line, _, rest = text.partition("\n")
        text = rest if first_line.strip().isalpha() or not first_line.strip() else text
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotJson(f"not JSON ({_shorten(str(exc), 80)})") from None


def _json_check(assertion: Assertion, output: str) -> Outcome:
    try:
        data = parse_json_answer(output)
    except NotJson as exc:
        return _outcome(assertion, False, str(exc))
    if assertion.type == "is-json":
        return _outcome(assertion, True, "valid JSON")
    if assertion.type == "json-schema":
        validator = jsonschema.validators.validator_for(assertion.value)(assertion.value)
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        if error is None:
            return _outcome(assertion, True, "matches the schema")
        where = "/".join(str(part) for part in error.absolute_path) or "the root"
        return _outcome(assertion, False, f"at {where}: {_shorten(error.message, 120)}")
    assert assertion.path is not None
    matches = [match.value for match in parse_json_path(assertion.path).find(data)]
    if "value" not in assertion.model_fields_set:
        ok = bool(matches)
        return _outcome(assertion, ok, f"{assertion.path} {'found' if ok else 'not found'}")
    if assertion.value in matches:
        return _outcome(assertion, True, f"{assertion.path} is {_shorten(json.dumps(matches[0]))}")
    if not matches:
        return _outcome(assertion, False, f"{assertion.path} not found")
    shown = _shorten(json.dumps(matches[0]))
    return _outcome(assertion, False, f"{assertion.path} is {shown}, not the expected value")


def _limit_check(assertion: Assertion, result: EvalResult) -> Outcome:
    limit = float(assertion.value)
    measured: float | None
    if assertion.type == "max-latency":
        measured, unit = result.latency_ms, "ms"
    elif assertion.type == "max-cost":
        measured, unit = result.cost_usd, "USD"
    else:
        tokens = result.output_tokens
        measured, unit = (None if tokens is None else float(tokens)), "output tokens"
    if measured is None:
        return _outcome(assertion, False, f"not measured ({unit})")
    ok = measured <= limit
    return _outcome(assertion, ok, f"{measured:g} {unit} {'≤' if ok else '>'} {limit:g}")


def evaluate(
    assertion: Assertion,
    result: EvalResult,
    *,
    expected: str | None = None,
    regex_timeout: float = REGEX_TIMEOUT_S,
) -> Outcome:
    """One assertion's outcome (not llm-rubric, which needs a judge: see `evaluate_cell`).

    `expected` is the row's expected answer, which a text check without a value compares with.
    """
    kind = assertion.type
    if kind in ("equals", "contains", "not-contains", "starts-with"):
        return _text_check(assertion, result.output, expected)
    if kind in ("contains-any", "contains-all"):
        return _list_check(assertion, result.output)
    if kind == "regex":
        return _regex_check(assertion, result.output, regex_timeout)
    if kind in ("is-json", "json-schema", "json-path"):
        return _json_check(assertion, result.output)
    if kind in ("max-latency", "max-cost", "max-tokens"):
        return _limit_check(assertion, result)
    raise ValueError(f"{kind} needs a judge: use evaluate_cell")


def judged(assertion: Assertion, verdict: JudgeVerdict) -> Outcome:
    """An llm-rubric outcome from the judge's verdict: its pass, or its score against the
    assertion's threshold when there is one."""
    passed = verdict.passed if assertion.threshold is None else verdict.score >= assertion.threshold
    weight = 1.0 if assertion.weight is None else assertion.weight
    return Outcome(assertion.type, passed, verdict.score, verdict.reason, weight, verdict.cost_usd)


def grade(outcomes: Sequence[Outcome], threshold: float | None = None) -> CellGrade:
    """A cell's grade: it passes when every assertion passed, or, with a threshold, when the
    weighted score (the sum of weight * score over the sum of weights) reaches it.
    No assertions: it passes."""
    total = sum(outcome.weight for outcome in outcomes)
    score = sum(o.weight * o.score for o in outcomes) / total if total > 0 else 1.0
    if all(outcome.passed for outcome in outcomes):
        return CellGrade(True, score, list(outcomes))
    return CellGrade(threshold is not None and score >= threshold, score, list(outcomes))


# The judge's model call: the run path makes it (keys, budgets, the record) and returns
# the judge's raw text and what it cost.
JudgeCall = Callable[[str, JudgeRequest], Awaitable[tuple[str, float | None]]]


async def evaluate_cell(
    assertions: Sequence[Assertion],
    result: EvalResult,
    *,
    expected: str | None = None,
    variables: dict[str, str] | None = None,
    threshold: float | None = None,
    judge: JudgeCall | None = None,
) -> CellGrade:
    """Every assertion of a cell (the set's, then the row's), judged where needed, graded.

    `judge(model, request)` makes an llm-rubric's call; without one, llm-rubric fails with
    that reason. A judge whose answer can't be read fails its assertion, never the cell's
    other assertions.
    """
    outcomes: list[Outcome] = []
    for assertion in assertions:
        if assertion.type != "llm-rubric":
            outcomes.append(evaluate(assertion, result, expected=expected))
            continue
        if judge is None:
            outcomes.append(_outcome(assertion, False, "no judge available"))
            continue
        assert assertion.model is not None and assertion.rubric is not None
        request = judge_request(assertion.rubric, result.output, expected, variables)
        text, cost = await judge(assertion.model, request)
        try:
            verdict = read_verdict(text, cost_usd=cost)
        except ValueError as exc:
            weight = 1.0 if assertion.weight is None else assertion.weight
            reason = f"the judge's answer: {exc}"
            outcomes.append(Outcome(assertion.type, False, 0.0, reason, weight, cost))
            continue
        outcomes.append(judged(assertion, verdict))
    return grade(outcomes, threshold)
