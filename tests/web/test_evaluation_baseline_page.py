"""The baseline view: an evaluation against an earlier one of the same set — deltas per
variant, each row's outcome in both with regressions and fixes flagged, "changes only",
another baseline chosen; 404 for what the user can't see, 422 for two different sets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from promptpro.config import Settings
from promptpro.services.evaluation_compare import previous_of
from promptpro.services.evaluations import EvaluationService
from promptpro.storage import Storage
from promptpro.testing import FakeProviderServer
from tests.support.evaluations import finished, make_test_set, started
from tests.support.runs import create_prompt
from tests.web.conftest import text_of

# Two rows: the first passes while the answer says "Hello", the second while it says "Bye".
ROWS = [
    {"variables": {"topic": "tea"}, "assertions": [{"type": "contains", "value": "Hello"}]},
    {"variables": {"topic": "rain"}, "assertions": [{"type": "contains", "value": "Bye"}]},
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"evaluation_runner": "server", "follow_poll_seconds": 0.02})


async def _run(client: httpx.AsyncClient, test_set_id: int, prompt_id: int) -> int:
    created = await started(
        client, testSetId=test_set_id, promptId=prompt_id, models=["openai/gpt-4o-mini"]
    )
    await finished(client, created["id"])
    return int(created["id"])


async def _two_runs(
    client: httpx.AsyncClient, fake: FakeProviderServer
) -> tuple[dict[str, Any], int, int]:
    """A baseline where the answer is "Hello" (row 1 passes) and a candidate where it is
    "Bye" (row 1 regresses, row 2 is fixed)."""
    prompt = await create_prompt(client)
    test_set = await make_test_set(client, ROWS)
    fake.configure(text="Hello there.")
    baseline = await _run(client, test_set["id"], prompt["id"])
    fake.configure(text="Bye for now.")
    candidate = await _run(client, test_set["id"], prompt["id"])
    return test_set, baseline, candidate


async def test_the_view_flags_regressions_and_fixes_with_the_deltas(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    _, baseline, candidate = await _two_runs(runner, fake)

    response = await runner.get(f"/evaluations/{candidate}/compare/{baseline}")

    assert response.status_code == 200, response.text
    html = response.text
    text = text_of(html)
    assert f"Evaluation #{candidate} against #{baseline}" in text
    assert 'data-testid="regression-count">1<' in html and 'data-testid="fix-count">1<' in html
    assert html.count('data-testid="compare-row"') == 2
    assert html.count('data-change="regression"') == 1 and html.count('data-change="fix"') == 1
    assert "Regression" in text and "Fixed" in text
    # The same pass rate (50%) both times: no change, coloured neither way.
    assert 'data-testid="delta-pass-rate" data-direction="same"' in html
    assert "50% → 50%" in text
    api = (await runner.get(f"/api/v1/evaluations/{candidate}/compare/{baseline}")).json()
    assert [change["rowIndex"] for change in api["regressions"]] == [0]


async def test_a_worse_pass_rate_is_shown_worse_and_changes_only_keeps_the_changed_rows(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    prompt = await create_prompt(runner)
    test_set = await make_test_set(runner, ROWS)
    fake.configure(text="Hello and Bye.")
    baseline = await _run(runner, test_set["id"], prompt["id"])
    fake.configure(text="Hello only.")
    candidate = await _run(runner, test_set["id"], prompt["id"])

    everything = (await runner.get(f"/evaluations/{candidate}/compare/{baseline}")).text
    changes = (await runner.get(f"/evaluations/{candidate}/compare/{baseline}?changes=only")).text

    assert 'data-testid="delta-pass-rate" data-direction="worse"' in everything
    assert "100% → 50%" in text_of(everything) and "\u221250 pts" in text_of(everything)
    assert everything.count('data-testid="compare-row"') == 2
    assert changes.count('data-testid="compare-row"') == 1
    assert 'data-change="regression"' in changes
    assert "Changes only (1)" in text_of(changes)


async def test_the_sets_page_links_each_run_to_the_one_before(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    test_set, baseline, candidate = await _two_runs(runner, fake)

    html = (await runner.get(f"/test-sets/{test_set['id']}")).text

    assert html.count('data-testid="set-evaluation"') == 2
    assert html.index(f'data-evaluation-id="{candidate}"') < html.index(
        f'data-evaluation-id="{baseline}"'
    )
    assert html.count('data-testid="compare-previous"') == 1
    assert f'href="/evaluations/{candidate}/compare/{baseline}"' in html


async def test_previous_of_is_the_newest_earlier_run_of_the_set_the_user_can_see(
    runner: httpx.AsyncClient, fake: FakeProviderServer, storage: Storage
) -> None:
    _, baseline, candidate = await _two_runs(runner, fake)
    other_set = await make_test_set(runner, ROWS, name="Other")
    prompt = await create_prompt(runner)
    elsewhere = await _run(runner, other_set["id"], prompt["id"])
    ada = (await runner.get("/api/v1/me")).json()["id"]
    service = EvaluationService(storage, ada)

    assert await previous_of(service, candidate) == baseline
    assert await previous_of(service, baseline) is None
    assert await previous_of(service, elsewhere) is None


async def test_the_picker_chooses_another_baseline(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    _, baseline, candidate = await _two_runs(runner, fake)

    html = (await runner.get(f"/evaluations/{candidate}/compare/{baseline}")).text
    chosen = await runner.get(f"/evaluations/{candidate}/compare?baseline={baseline}")
    previous = await runner.get(f"/evaluations/{candidate}/compare")
    first = await runner.get(f"/evaluations/{baseline}/compare")

    assert f'<option value="{baseline}" selected>' in html
    assert f'<option value="{candidate}"' not in html  # not against itself
    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"/evaluations/{candidate}/compare/{baseline}"
    assert previous.headers["location"] == f"/evaluations/{candidate}/compare/{baseline}"
    assert first.headers["location"] == f"/evaluations/{baseline}"


async def test_another_users_evaluations_are_not_found(
    runner: httpx.AsyncClient, bob: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    _, baseline, candidate = await _two_runs(runner, fake)

    assert (await bob.get(f"/evaluations/{candidate}/compare/{baseline}")).status_code == 404
    assert (await runner.get(f"/evaluations/{candidate}/compare/999999")).status_code == 404


async def test_evaluations_of_different_sets_are_refused_clearly(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    _, baseline, _ = await _two_runs(runner, fake)
    other_set = await make_test_set(runner, ROWS, name="Other")
    prompt = await create_prompt(runner)
    elsewhere = await _run(runner, other_set["id"], prompt["id"])

    refused = await runner.get(f"/evaluations/{elsewhere}/compare/{baseline}")

    assert refused.status_code == 422
    assert "Only evaluations of the same test set can be compared." in text_of(refused.text)
