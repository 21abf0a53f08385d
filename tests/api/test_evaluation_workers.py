"""Evaluations on PostgreSQL run in `promptpro worker` processes through procrastinate: a
worker killed in the middle of a cell loses nothing, and no cell is counted twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from promptpro.config import Settings
from promptpro.db.engine import create_engine
from promptpro.services import jobs
from promptpro.testing import FakeProviderServer
from tests.support import databases
from tests.support.evaluations import all_cells, finished, make_test_set, started
from tests.support.runs import create_prompt

WAIT_S = 90.0  # for a worker process to start and take a cell on a loaded machine
WORKER = (
    "import sys; from promptpro import cli; sys.stdin.readline(); "
    "sys.argv = ['promptpro', 'worker']; cli.main()"
)


def go(process: subprocess.Popen[bytes]) -> None:
    """Let a started worker process run `promptpro worker`."""
    assert process.stdin is not None
    process.stdin.write(b"go\n")
    process.stdin.flush()


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only, with the job queue's schema and no jobs left by other tests."""
    asyncio.run(databases.empty_postgres(postgres_database))
    asyncio.run(jobs.apply_job_schema(postgres_database))

    async def no_jobs() -> None:
        engine = create_engine(postgres_database)
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text("DELETE FROM procrastinate_jobs"))
        finally:
            await engine.dispose()

    asyncio.run(no_jobs())
    return postgres_database


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"evaluation_runner": "workers", "follow_poll_seconds": 0.1})


@pytest.fixture
def start_worker(settings: Settings, fake: FakeProviderServer, tmp_path: Path) -> Iterator[Any]:
    """Starts `promptpro worker` processes on the test database and the fake provider."""
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "PROMPTPRO_DATABASE_URL": settings.database_url,
        "PROMPTPRO_DATA_DIR": str(settings.data_dir),
        "PROMPTPRO_SECRET_KEY": settings.secret_key,
        "PROMPTPRO_OPENAI_BASE_URL": fake.openai_base_url,
        "PROMPTPRO_EVALUATION_LEASE_SECONDS": "2",
        "PROMPTPRO_EVALUATION_SWEEP_SECONDS": "0.3",
        "PROMPTPRO_EVALUATION_CONCURRENCY": "2",
    }

    def start(name: str) -> subprocess.Popen[bytes]:
        """A process that imports the command line now (tens of seconds on a loaded
        machine) and runs `promptpro worker` once told to, with a line on its stdin."""
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _until(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not await check():
        assert time.monotonic() < deadline, f"waited {WAIT_S}s for {what}"
        await asyncio.sleep(0.1)


async def test_a_worker_killed_mid_cell_loses_nothing_and_counts_nothing_twice(
    runner: httpx.AsyncClient, fake: FakeProviderServer, start_worker: Any
) -> None:
    first, second = start_worker("first"), start_worker("second")
    prompt = await create_prompt(runner)
    rows = [{"variables": {"topic": str(i)}} for i in range(4)]
    test_set = await make_test_set(
        runner, rows, assertions=[{"type": "contains", "value": "Hello"}]
    )
    fake.configure(first_delay=1.5)  # long enough to kill the worker with cells in flight
    created = await started(
        runner, testSetId=test_set["id"], promptId=prompt["id"], models=["openai/gpt-4o-mini"]
    )
    path = f"/api/v1/evaluations/{created['id']}"

    go(first)

    async def taken() -> bool:
        return bool((await runner.get(path)).json()["progress"]["running"])

    await _until(taken, "the first worker to take a cell")
    first.send_signal(signal.SIGKILL)
    first.wait()
    held = [cell["id"] for cell in await all_cells(runner, created["id"], status="running")]
    go(second)
    evaluation = await finished(runner, created["id"])

    cells = await all_cells(runner, created["id"])
    assert held, "the killed worker held no cell"
    assert evaluation["status"] == "completed"
    assert evaluation["progress"]["passed"] == 4 == len(cells)
    assert len({cell["responseId"] for cell in cells}) == 4
    retaken = [cell for cell in cells if cell["id"] in held]
    assert all(cell["attempts"] == 2 and cell["status"] == "passed" for cell in retaken)
    assert evaluation["summary"][0]["passed"] == 4
