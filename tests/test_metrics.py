"""Metrics with several worker processes: PROMETHEUS_MULTIPROC_DIR adds every process up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER = """
from promptpro import metrics
metrics.run_started("openai/gpt-4o-mini")
metrics.run_ended("openai/gpt-4o-mini", "completed", None, 0.0, 0.1)
"""
SCRAPE = "import sys; from promptpro import metrics; sys.stdout.write(metrics.render().decode())"


def python(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_metrics_of_every_worker_process_are_added_up(tmp_path: Path) -> None:
    for _ in range(2):  # two workers, each counting one run
        python(WORKER, tmp_path)
    scraped = python(SCRAPE, tmp_path)
    assert (
        'promptpro_runs_started_total{model="openai/gpt-4o-mini",provider="openai"} 2.0' in scraped
    )
    assert 'promptpro_run_time_to_first_token_seconds_count{provider="openai"} 2.0' in scraped
