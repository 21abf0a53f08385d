"""The evaluation page: the grid of rows x variants with each cell's outcome, output,
assertions and figures; the stability view of repeated rows; column summaries with
ratings; the two filters as query parameters; the link to the previous run of the set;
and the fragment the live page refreshes rows from."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
import pytest

from promptpro.config import Settings
from promptpro.testing import FakeProviderServer
from tests.support.evaluations import all_cells, finished, make_test_set, started
from tests.support.runs import create_prompt
from tests.web.conftest import text_of

SETS = itertools.count(1)
TIMES = "\u00d7"  # the multiplication sign before how many repeats gave an output
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"evaluation_runner": "server", "follow_poll_seconds": 0.02})


async def evaluate(
    client: httpx.AsyncClient,
    rows: list[dict[str, Any]],
    *,
    test_set: dict[str, Any] | None = None,
    **body: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An evaluation of a haiku prompt on these rows, run to its end; it and its set."""
    prompt = await create_prompt(client)
    test_set = test_set or await make_test_set(client, rows, name=f"Cases {next(SETS)}")
    body = {"models": MODELS, **body}
    created = await started(client, testSetId=test_set["id"], promptId=prompt["id"], **body)
    return await finished(client, created["id"]), test_set


def grid_rows(html: str) -> dict[int, str]:
    """Each grid row's opening tag, by row index."""
    return {
        int(match.group(1)): match.group(0)
        for match in re.finditer(r'<tr data-testid="grid-row" data-row="(\d+)"[^>]*>', html)
    }


def shown_rows(html: str) -> list[int]:
    """The row indexes not hidden by the filter."""
    return sorted(index for index, tag in grid_rows(html).items() if " hidden" not in tag)


async def test_the_page_shows_each_row_and_variant_with_its_outcome(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="Hello there.", input_tokens=12, output_tokens=7)
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Hello"}]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
    ]
    evaluation, _ = await evaluate(runner, rows)

    response = await runner.get(f"/evaluations/{evaluation['id']}")

    assert response.status_code == 200, response.text
    html = response.text
    assert len(grid_rows(html)) == 2
    assert html.count('data-state="pass"') == 2 and html.count('data-state="fail"') == 2
    text = text_of(html)
    assert "pass rate 50%" in text and "4 of 4 cells done" in text
    # Each cell: its output (expandable), each assertion with its reason, and its figures.
    assert html.count("<details>") == 4 and "Hello there." in html
    assert "✓ passed: contains" in text
    assert "✗ failed: contains: does not contain 'Bye'" in text
    assert "19 tokens" in text
    # Finished: nothing to follow, nothing to cancel, and no failure is an error to retry.
    assert 'data-live="false"' in html
    assert re.search(r'data-testid="cancel-evaluation" disabled hidden', html)
    assert (await bob.get(f"/evaluations/{evaluation['id']}")).status_code == 404
    assert (await bob.get(f"/evaluations/{evaluation['id']}/fragment?rows=0")).status_code == 404


async def test_repeats_show_each_distinct_output_with_its_count_and_the_pass_rate(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    # Two of five repeats error (a 400 is not retried); run again, they answer otherwise.
    fake.configure(text="Hello there.", status=400, fail_times=2, error_message="Bad request")
    rows = [{"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Hello"}]}]
    evaluation, _ = await evaluate(runner, rows, models=MODELS[:1], repeats=5)
    page = text_of((await runner.get(f"/evaluations/{evaluation['id']}")).text)
    assert "3/5 passed · 1 distinct output" in page
    assert re.search(rf"{TIMES}3 Hello there\. Hello there\. ✓ passed: contains", page)
    assert (
        f"{TIMES}2 The AI provider failed: OpenAI refused the request as invalid (HTTP 400)" in page
    )

    fake.reset()
    fake.configure(text="Goodbye.")
    retried = await runner.post(f"/api/v1/evaluations/{evaluation['id']}/retry")
    assert retried.status_code == 202, retried.text
    await finished(runner, evaluation["id"])
    html = (await runner.get(f"/evaluations/{evaluation['id']}")).text

    page = text_of(html)
    assert 'data-state="mixed"' in html and "Mixed 3/5 passed · 2 distinct outputs" in page
    assert re.search(rf"{TIMES}3 Hello there\. Hello there\. ✓ passed: contains", page)
    assert re.search(rf"{TIMES}2 Goodbye\. Goodbye\. ✗ failed: contains", page)
    assert "2.0 distinct outputs per row · 1 unstable row" in page
    assert "(median)" in page


async def test_the_filters_show_failing_rows_or_rows_where_the_variants_disagree(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="Hello from OpenAI.")
    fake.configure_model("claude-sonnet-4-6", text="Hello and Bye from Anthropic.")
    rows = [
        {"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Hello"}]},
        {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
        {"variables": {"topic": "snow"}, "assertions": [{"type": "contains", "value": "Nope"}]},
    ]
    evaluation, _ = await evaluate(runner, rows)
    path = f"/evaluations/{evaluation['id']}"

    everything = (await runner.get(path)).text
    failures = (await runner.get(f"{path}?filter=failures")).text
    disagree = (await runner.get(f"{path}?filter=disagree")).text
    unknown = await runner.get(f"{path}?filter=sometimes")

    assert shown_rows(everything) == [0, 1, 2] and "3 of 3 rows shown" in text_of(everything)
    assert shown_rows(failures) == [1, 2] and "2 of 3 rows shown" in text_of(failures)
    assert shown_rows(disagree) == [1] and "1 of 3 rows shown" in text_of(disagree)
    # The filter in force is the marked one (the others are links to theirs).
    assert re.search(
        r'href="\?filter=failures" data-filter="failures" aria-current="true"', failures
    )
    assert unknown.status_code == 422
    assert "There is no filter 'sometimes'" in unknown.json()["detail"]


async def test_ratings_are_shown_on_their_output_and_counted_in_the_summary(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="Hello there.")
    evaluation, _ = await evaluate(runner, [{"variables": {"topic": "tea"}}], models=MODELS[:1])
    [cell] = await all_cells(runner, evaluation["id"])
    rated = await runner.put(
        f"/api/v1/evaluations/{evaluation['id']}/cells/{cell['id']}/rating",
        json={"value": -1, "note": "Too <b>cheerful</b> for a haiku."},
    )
    assert rated.status_code == 200, rated.text

    html = (await runner.get(f"/evaluations/{evaluation['id']}")).text

    assert f'data-rating-for="{cell["id"]}" data-rating="-1"' in html
    assert re.search(r'data-rate="-1" aria-pressed="true" aria-label="Thumbs down"', html)
    assert re.search(r'data-rate="1" aria-pressed="false" aria-label="Thumbs up"', html)
    assert "Too &lt;b&gt;cheerful&lt;/b&gt; for a haiku." in html
    assert "thumbs up: 0 · thumbs down: 1" in text_of(html)


async def test_an_evaluation_links_to_the_previous_run_of_its_test_set(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    rows = [{"variables": {"topic": "tea"}}]
    first, test_set = await evaluate(runner, rows, models=MODELS[:1])
    other, _ = await evaluate(runner, rows, models=MODELS[:1])  # another set's
    second, _ = await evaluate(runner, rows, test_set=test_set, models=MODELS[:1])

    first_page = (await runner.get(f"/evaluations/{first['id']}")).text
    second_page = (await runner.get(f"/evaluations/{second['id']}")).text

    assert "Compare with the previous run of this set" not in first_page
    link = f'href="/evaluations/{second["id"]}/compare/{first["id"]}"'
    assert link in second_page and f"/compare/{other['id']}" not in second_page


async def test_the_fragment_holds_the_asked_rows_and_the_summaries(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(text="Hello there.")
    rows = [{"variables": {"topic": topic}} for topic in ("tea", "rain", "snow")]
    evaluation, _ = await evaluate(runner, rows, models=MODELS[:1])
    path = f"/evaluations/{evaluation['id']}/fragment"

    some = await runner.get(f"{path}?rows=2,0")
    with_summary = await runner.get(f"{path}?rows=1&summary=true")
    past_the_end = await runner.get(f"{path}?rows=3")
    not_numbers = await runner.get(f"{path}?rows=1,x")

    assert some.status_code == 200, some.text
    assert sorted(grid_rows(some.text)) == [0, 2] and "column-summaries" not in some.text
    assert "<html" not in some.text  # a fragment, not a page
    assert sorted(grid_rows(with_summary.text)) == [1] and "pass rate 100%" in with_summary.text
    assert past_the_end.status_code == 422 and "rows 0 to 2" in past_the_end.text
    assert not_numbers.status_code == 422 and "comma-separated" in not_numbers.text


async def test_a_viewer_sees_the_ratings_but_no_buttons_to_rate_cancel_or_retry(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    team = (await runner.post("/api/v1/workspaces", json={"name": "Team"})).json()
    added = await runner.post(
        f"/api/v1/workspaces/{team['id']}/members", json={"username": "bob", "role": "viewer"}
    )
    assert added.status_code == 201, added.text
    fake.configure(text="Hello there.")
    rows = [{"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Bye"}]}]
    prompt = await create_prompt(runner, workspaceId=team["id"])
    test_set = await make_test_set(runner, rows, workspaceId=team["id"])
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=MODELS[:1]
    )
    await finished(runner, created["id"])
    [cell] = await all_cells(runner, created["id"])
    base = f"/api/v1/evaluations/{created['id']}"
    await runner.put(f"{base}/cells/{cell['id']}/rating", json={"value": 1, "note": "Fine."})

    theirs = (await bob.get(f"/evaluations/{created['id']}")).text
    mine = (await runner.get(f"/evaluations/{created['id']}")).text

    assert "Rated good" in text_of(theirs) and "Fine." in theirs
    assert "data-rate=" not in theirs and "retry-evaluation" not in theirs
    assert "data-rate=" in mine and re.search(r'data-testid="retry-evaluation" disabled>', mine)
