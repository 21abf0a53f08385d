"""`promptpro eval run`: a gate for CI. Start an evaluation of a prompt on a test set on the
server, show its progress, print each variant's summary, write JUnit XML / JSON, and exit
non-zero when the pass rate is under the threshold.

Exit codes beyond the common ones: 5 the pass rate is under `--fail-under` (or the
evaluation was cancelled or failed).
"""

from __future__ import annotations

import json
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from promptpro.cli.remote.common import Exit, connected, fail, note, out
from promptpro.cli.remote.prompts import fetch
from promptpro.client import Api

app = typer.Typer(help="Evaluations of prompts on test sets (after `promptpro login`).")

GATE_FAILED = 5  # under --fail-under, or the evaluation did not complete
DONE = ("completed", "cancelled", "failed")
POLL_SECONDS = 0.5
MAX_CELLS = 100_000  # read for the reports, at most


def _test_set_id(api: Api, given: str, workspace: int) -> int:
    if given.isdigit():
        return int(given)
    test_sets: list[dict[str, Any]] = api.get("/api/v1/test-sets", {"workspaceId": workspace})
    for test_set in test_sets:
        if test_set["name"] == given:
            return int(test_set["id"])
    fail(f"No test set named {given!r} in workspace {workspace}.", Exit.NOT_FOUND)


def _prompt(api: Api, given: str, workspace: int) -> tuple[int, str | None]:
    """The prompt's id (NAME, or its id) and the label to evaluate (`NAME@label`; none:
    the prompt as it is now)."""
    name, _, label = given.partition("@")
    fetched = fetch(api, name, label=label or None, version=None, workspace=workspace)
    return int(fetched["promptId"]), label or None


def _wait(api: Api, evaluation_id: int, total: int, quiet: bool) -> dict[str, Any]:
    """Follow the evaluation to its end, with a progress bar on stderr."""
    columns = (
        TextColumn("Evaluating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("cells"),
        TimeElapsedColumn(),
    )
    stream = sys.stderr
    quiet = quiet or not stream.isatty()
    with Progress(*columns, console=Console(file=stream), disable=quiet, transient=True) as bar:
        task = bar.add_task("cells", total=total)
        while True:
            evaluation: dict[str, Any] = api.get(f"/api/v1/evaluations/{evaluation_id}")
            progress = evaluation.get("progress", {})
            finished = sum(progress.get(s, 0) for s in ("passed", "failed", "errored"))
            bar.update(task, completed=finished)
            if evaluation["status"] in DONE:
                return evaluation
            time.sleep(POLL_SECONDS)


def _pass_rate(summary: list[dict[str, Any]]) -> float:
    passed = sum(variant["passed"] for variant in summary)
    graded = sum(variant["passed"] + variant["failed"] + variant["errored"] for variant in summary)
    return passed / graded if graded else 0.0


def _summary_table(summary: list[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("variant", "passed", "failed", "errored", "pass rate", "cost"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for variant in summary:
        name = variant["model"] + (f" v{variant['version']}" if variant.get("version") else "")
        rate = variant.get("passRate")
        table.add_row(
            escape(name),
            str(variant["passed"]),
            str(variant["failed"]),
            str(variant["errored"]),
            "—" if rate is None else f"{rate:.0%}",
            f"${variant.get('costUsd', 0):.4f}",
        )
    return table


def _junit(evaluation: dict[str, Any], cells: list[dict[str, Any]]) -> ET.ElementTree:
    """One test suite per variant, one test case per cell (a row at a repeat)."""
    suites = ET.Element("testsuites", name=f"promptpro evaluation {evaluation['id']}")
    by_variant: dict[int, list[dict[str, Any]]] = {}
    for cell in cells:
        by_variant.setdefault(int(cell["variant"]), []).append(cell)
    for variant in evaluation.get("summary", []):
        mine = by_variant.get(int(variant["variant"]), [])
        name = variant["model"] + (f" v{variant['version']}" if variant.get("version") else "")
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=name,
            tests=str(len(mine)),
            failures=str(sum(c["status"] == "failed" for c in mine)),
            errors=str(sum(c["status"] == "errored" for c in mine)),
        )
        for cell in mine:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=name,
                name=f"row {cell['rowIndex'] + 1} repeat {cell['repeat'] + 1}",
                time=f"{(cell.get('latencyMs') or 0) / 1000:.3f}",
            )
            reasons = "; ".join(
                f"{result['type']}: {result['reason']}"
                for result in cell.get("assertionResults") or []
                if not result.get("passed")
            )
            if cell["status"] == "failed":
                ET.SubElement(case, "failure", message=reasons or "failed").text = cell.get(
                    "output"
                )
            elif cell["status"] == "errored":
                ET.SubElement(case, "error", message=cell.get("error") or "errored")
            elif cell["status"] != "passed":
                ET.SubElement(case, "skipped", message=cell["status"])
    ET.indent(suites)
    return ET.ElementTree(suites)


@app.command("run")
def run(
    test_set: Annotated[str, typer.Option("--test-set", "-t", help="The test set's name or id.")],
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="NAME or NAME@label.")],
    models: Annotated[
        list[str], typer.Option("--model", "-m", help="A model to run it on (1-6; repeat).")
    ],
    repeat: Annotated[int, typer.Option("--repeat", "-r", min=1, max=20)] = 1,
    fail_under: Annotated[
        float, typer.Option("--fail-under", min=0.0, max=1.0, help="The pass rate to reach.")
    ] = 1.0,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Write the evaluation and its cells here.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="Refuse above this estimate (USD).")
    ] = None,
    workspace: Annotated[
        int | None, typer.Option("--workspace", "-w", help="A workspace id (default: yours).")
    ] = None,
) -> None:
    """Evaluate a prompt on a test set; exit 5 when the pass rate is under --fail-under."""
    with connected() as api:
        workspace_id = api.workspace_id(workspace)
        test_set_id = _test_set_id(api, test_set, workspace_id)
        prompt_id, label = _prompt(api, prompt, workspace_id)
        body: dict[str, Any] = {
            "testSetId": test_set_id,
            "promptId": prompt_id,
            "models": models,
            "repeats": repeat,
        }
        if label:
            body["label"] = label
        if max_cost is not None:
            body["confirmCostUsd"] = max_cost
        started: dict[str, Any] = api.post("/api/v1/evaluations", body)
        estimate = started["estimate"]
        cost = estimate.get("costUsd")
        note(
            f"Evaluation {started['id']}: {estimate['cells']} cells, estimated "
            + ("at an unknown cost" if cost is None else f"${cost:.4f}")
            + "."
        )
        evaluation = _wait(api, int(started["id"]), int(estimate["cells"]), quiet=False)
        cells = list(api.pages(f"/api/v1/evaluations/{started['id']}/cells", limit=MAX_CELLS))
    summary = evaluation.get("summary", [])
    out.print(_summary_table(summary))
    rate = _pass_rate(summary)
    out.print(f"Pass rate {rate:.1%} (threshold {fail_under:.0%}); status {evaluation['status']}.")
    if junit is not None:
        _junit(evaluation, cells).write(junit, encoding="utf-8", xml_declaration=True)
    if json_file is not None:
        report = {"evaluation": evaluation, "passRate": rate, "cells": cells}
        json_file.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if evaluation["status"] != "completed" or rate < fail_under:
        raise typer.Exit(GATE_FAILED)
