"""The evaluation bench on PostgreSQL: `promptpro serve` queues the evaluation (its
`evaluation_runner = "workers"`), N `promptpro worker` processes run its cells.

Each worker takes one evaluation job at once (`--evaluations 1`) and runs `concurrency / N`
cells at once; the server queues one job per worker (`evaluation_jobs_per_evaluation`),
so every worker drives the evaluation. CPU is the sum over the server and the workers
(/proc/<pid>/stat, from the POST to the last cell); RSS the sum of their peaks (VmHWM).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.evaluations import measure
from bench.harness import cpu_seconds, free_port, scratch_database, started, wait_for_port
from promptpro.config import load_settings
from promptpro.db import migrate
from promptpro.services import jobs


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def with_workers(
    cells: int, concurrency: int, fake_port: int, server_url: str, workers: int
) -> dict[str, float]:
    """The measurement on a scratch database of the PostgreSQL server `server_url`."""
    async with scratch_database(server_url) as database:
        url = load_settings(database_url=database, create=False).database_url
        await migrate.upgrade(url)
        await jobs.apply_job_schema(url)
        with tempfile.TemporaryDirectory() as data_dir:
            env = {
                **os.environ,
                "PROMPTPRO_DATA_DIR": data_dir,
                "PROMPTPRO_DATABASE_URL": url,
                "PROMPTPRO_SECRET_KEY": "b" * 64,
                "PROMPTPRO_OPENAI_BASE_URL": f"http://127.0.0.1:{fake_port}/v1",
                "PROMPTPRO_LOG_LEVEL": "WARNING",
                "PROMPTPRO_EVALUATION_RUNNER": "workers",
                "PROMPTPRO_EVALUATION_JOBS_PER_EVALUATION": str(workers),
                "PROMPTPRO_EVALUATION_CONCURRENCY": str(max(1, concurrency // workers)),
                "PROMPTPRO_EVALUATION_PROVIDER_CONCURRENCY": str(max(1, concurrency // workers)),
            }
            async with _processes(env, Path(data_dir), database, workers) as (port, pids):
                result = await _measured(database, port, pids, cells)
    return result


@contextlib.asynccontextmanager
async def _processes(
    env: dict[str, str], logs: Path, database: str, workers: int
) -> AsyncIterator[tuple[int, list[int]]]:
    """The server (its port) and the workers, started and beating; their pids."""
    port = free_port()
    serve = [sys.executable, "-m", "promptpro", "serve", "--port", str(port)]
    work = [sys.executable, "-m", "promptpro", "worker", "--evaluations", "1"]
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(started(serve, env, logs / "serve.log"))
        pids = [server.pid]
        for n in range(workers):
            worker = stack.enter_context(started(work, env, logs / f"worker-{n}.log"))
            pids.append(worker.pid)
        await wait_for_port(port, server, "promptpro serve")
        await _until_beating(database, workers + 1)
        yield port, pids


async def _until_beating(database: str, processes: int) -> None:
    """Wait for the processes' first heartbeats (a worker beats before taking jobs)."""
    connection = await asyncpg.connect(database)
    try:
        for _ in range(1200):
            if await connection.fetchval("SELECT count(*) FROM worker_heartbeats") >= processes:
                await asyncio.sleep(1.0)  # its job queue listening, too
                return
            await asyncio.sleep(0.1)
        raise SystemExit("the workers did not start within 120 s")
    finally:
        await connection.close()


async def _measured(database: str, port: int, pids: list[int], cells: int) -> dict[str, float]:
    connection = await asyncpg.connect(database)
    try:

        async def counts(evaluation_id: int) -> dict[str, int]:
            rows = await connection.fetch(
                "SELECT status, count(*) FROM evaluation_cells WHERE evaluation_id = $1 "
                "GROUP BY status",
                evaluation_id,
            )
            return {row[0]: row[1] for row in rows}

        def cpu() -> float:
            return sum(cpu_seconds(pid) for pid in pids)

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            result = await measure(http, cells, counts, cpu)
    finally:
        await connection.close()
    result["peak_rss_mb"] = sum(peak_rss_mb(pid) for pid in pids)
    return result
