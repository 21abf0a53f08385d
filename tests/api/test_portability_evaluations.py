"""Evaluation results in the promptpro-export document: exported with the responses (by
names, cells paged, the summary the API shows, never who ran them), never recreated by an
import, which says so."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from promptpro.config import Settings
from promptpro.services.portability import evaluation_export
from promptpro.testing import FakeProviderServer
from tests.api.test_portability import SCHEMA, export, import_, personal, team, without_moments
from tests.support.evaluations import all_cells, finished, make_test_set, started
from tests.support.runs import API_KEY, create_prompt

ROWS: list[dict[str, Any]] = [
    {"variables": {"topic": "tea"}, "expected": "Hello"},
    {"variables": {"topic": "rain"}},
]
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-6"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server runs the cells, with short waits."""
    return settings.model_copy(
        update={
            "evaluation_runner": "server",
            "follow_poll_seconds": 0.02,
            "evaluation_sweep_seconds": 0.2,
            "evaluation_concurrency": 4,
        }
    )


async def _evaluated(runner: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A prompt, and a completed evaluation of it: 2 rows x 2 models x 2 repeats."""
    prompt = await create_prompt(runner, name="poems/haiku")
    test_set = await make_test_set(
        runner, ROWS, assertions=[{"type": "contains", "value": "Hello"}], threshold=0.5
    )
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=MODELS, repeats=2
    )
    evaluation = await finished(runner, created["id"])
    assert evaluation["status"] == "completed"
    return prompt, evaluation


async def test_an_evaluation_is_exported_with_its_cells_and_summary_and_never_its_runner(
    runner: httpx.AsyncClient, fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evaluation_export, "CELL_PAGE", 3)  # 8 cells: three pages
    workspace_id = await personal(runner)
    _, evaluation = await _evaluated(runner)
    cell_id = (await all_cells(runner, evaluation["id"]))[0]["id"]
    rated = await runner.put(
        f"/api/v1/evaluations/{evaluation['id']}/cells/{cell_id}/rating",
        json={"value": 1, "note": "good"},
    )
    assert rated.status_code == 200, rated.text
    evaluation = (await runner.get(f"/api/v1/evaluations/{evaluation['id']}")).json()

    document = (await export(runner, workspace_id, responses="true")).json()

    jsonschema.validate(document, SCHEMA)
    [exported] = document["evaluations"]
    assert (exported["prompt"], exported["testSet"]) == ("poems/haiku", "Cases")
    assert exported["variants"] == [{"version": None, "model": m} for m in MODELS]
    assert (exported["repeats"], exported["status"]) == (2, "completed")
    assert exported["createdAt"] and exported["finishedAt"]
    assert exported["rows"] == ROWS
    assert exported["threshold"] == 0.5
    cells = exported["cells"]
    assert len(cells) == 8
    assert sorted((c["rowIndex"], c["variant"], c["repeat"]) for c in cells) == [
        (row, variant, repeat) for row in (0, 1) for variant in (0, 1) for repeat in (0, 1)
    ]
    first = cells[0]
    assert first["status"] == "passed" and first["output"] == "Hello from the fake provider."
    assert first["assertionResults"][0]["passed"] is True
    assert (first["inputTokens"], first["outputTokens"]) == (12, 7)
    assert first["costUsd"] > 0 and first["latencyMs"] > 0
    assert (first["rating"], first["ratingNote"]) == (1, "good")
    # The summary is the one the API shows, though the export never held every cell.
    assert exported["summary"] == evaluation["summary"]
    # Never who ran it, never a key, never an id of ours.
    user_id = (await runner.get("/api/v1/auth/session")).json()["user"]["id"]
    text = json.dumps(document)
    assert user_id not in text and API_KEY not in text
    assert "ada" not in json.dumps(document["evaluations"])
    for key in ("id", "createdBy", "responseId", "rowId", "workerId", "attempts"):
        assert key not in exported and key not in first


async def test_without_responses_there_are_no_evaluations(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    workspace_id = await personal(runner)
    prompt, _ = await _evaluated(runner)
    other = await create_prompt(runner, name="poems/other")

    assert "evaluations" not in (await export(runner, workspace_id)).json()
    # Only some prompts: only their evaluations.
    chosen = await export(runner, workspace_id, responses="true", promptIds=other["id"])
    assert chosen.json()["evaluations"] == []
    chosen = await export(runner, workspace_id, responses="true", promptIds=prompt["id"])
    assert len(chosen.json()["evaluations"]) == 1


async def test_an_import_lists_the_evaluations_it_does_not_carry(
    runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    source = await personal(runner)
    await _evaluated(runner)
    document = (await export(runner, source, responses="true")).json()
    target = await team(runner)

    report = (await import_(runner, target, json.dumps(document).encode())).json()

    assert [(i["kind"], i["name"], i["detail"]) for i in report["notCarried"]] == [
        ("evaluation", "poems/haiku on Cases", "evaluation results are kept in the export only")
    ]
    assert report["counts"]["notCarried"] == 1
    # Everything else comes along: the documents differ only in the evaluations (results
    # of runs made in the source workspace, which the target never ran).
    again = (await export(runner, target, responses="true")).json()
    assert again["evaluations"] == []
    expected = without_moments(document) | {"evaluations": []}
    assert without_moments(again) == expected


async def test_past_a_hundred_evaluations_the_report_counts_the_rest(
    ada: httpx.AsyncClient,
) -> None:
    workspace_id = await personal(ada)
    evaluation: dict[str, Any] = {"prompt": "p", "testSet": None, "variants": [], "repeats": 1}
    document = {
        "format": "promptpro-export",
        "version": 1,
        "prompts": [],
        "evaluations": [{**evaluation, "status": "completed", "cells": []}] * 102,
    }

    report = await import_(ada, workspace_id, json.dumps(document).encode(), dryRun="true")

    assert report.status_code == 200, report.text
    noted = [item["name"] for item in report.json()["notCarried"]]
    assert noted[0] == "p on a deleted test set"
    assert noted[100:] == ["2 more evaluations"]
