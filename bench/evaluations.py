"""Evaluation engine throughput: 1,000 cells against the fake provider answering in 50 ms.

    .venv/bin/python bench/evaluations.py [--cells 1000] [--concurrency 32] [--delay 0.05]
        [--database postgresql://postgres@127.0.0.1:5432/postgres --workers 2]
        [--promptfoo [--promptfoo-dir ~/.cache/promptfoo-bench]] [--repeat 3]

One variant x `cells` rows, two assertions per cell (`contains "Hello"`, `max-latency
5000`), the fake provider in a process of its own answering every request after `delay`.

- Without `--database`: the server's engine runs in this process (SQLite,
  `evaluation_runner = "server"`), driven through the API in process (httpx over ASGI).
  CPU and peak RSS are this process's.
- With `--database` (a PostgreSQL server; a scratch database is made on it and dropped)
  and `--workers N`: `promptpro serve` (`evaluation_runner = "workers"`) and N `promptpro
  worker` processes, `concurrency / N` cells at once each (bench/evaluation_workers.py).
  CPU is the sum over those processes; RSS the sum of their peaks.
- `--promptfoo`: the peer, `promptfoo eval -j concurrency` on the same matrix against the
  same fake (bench/evaluation_promptfoo.py; installed with npm into `--promptfoo-dir`,
  outside the repository, at the first use).

Wall time is from the evaluation's POST to the last cell recorded, against the ideal
(cells x delay / concurrency). Progress is read straight from the database every 0.2 s
(one grouped count), not through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import free_port, wait_for_port
from promptpro.app import create_app
from promptpro.config import load_settings
from promptpro.db import migrate
from promptpro.db.session import unit_of_work
from promptpro.storage import Storage

TIMEOUT_S = 600.0  # an evaluation that takes longer has stalled: the bench says so
Counts = Callable[[int], Awaitable[dict[str, int]]]


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def in_process(cells: int, concurrency: int, port: int) -> dict[str, float]:
    """The SQLite measurement: the server's engine in this process."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(
            data_dir=Path(data_dir),
            secret_key="b" * 64,
            public_url="http://bench",
            openai_base_url=f"http://127.0.0.1:{port}/v1",
            evaluation_runner="server",
            evaluation_concurrency=concurrency,
            evaluation_provider_concurrency=concurrency,
        )
        await migrate.upgrade(settings.database_url)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            factory = app.state.session_factory

            async def counts(evaluation_id: int) -> dict[str, int]:
                async with unit_of_work(factory) as session:
                    return await Storage(session).cell_counts(evaluation_id)

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                result = await measure(http, cells, counts, cpu_now)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


async def set_up(http: httpx.AsyncClient, cells: int) -> tuple[int, int]:
    """An account with a key, the prompt, and the test set of `cells` rows; their ids."""
    account = {"username": f"bench-{secrets.token_hex(3)}", "password": secrets.token_urlsafe(16)}
    session = (await http.post("/api/v1/auth/register", json=account)).json()
    http.headers["X-CSRF-Token"] = session["csrfToken"]
    await http.put("/api/v1/keys/openai", json={"key": "sk-bench-" + "x" * 32})
    prompt = (
        await http.post(
            "/api/v1/prompts",
            json={"title": "Bench", "content": "Say hi to {{n}}.", "model": "openai/gpt-4o-mini"},
        )
    ).json()
    test_set = (
        await http.post(
            "/api/v1/test-sets",
            json={
                "name": "Bench",
                "assertions": [
                    {"type": "contains", "value": "Hello"},
                    {"type": "max-latency", "value": 5000},
                ],
            },
        )
    ).json()
    lines = "\n".join(json.dumps({"variables": {"n": str(i)}}) for i in range(cells))
    imported = await http.post(
        f"/api/v1/test-sets/{test_set['id']}/import?format=jsonl",
        content=lines.encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code < 300, imported.text
    return int(prompt["id"]), int(test_set["id"])


async def measure(
    http: httpx.AsyncClient, cells: int, counts: Counts, cpu: Callable[[], float]
) -> dict[str, float]:
    """Start the evaluation and wait for its last cell: wall time, CPU per cell, passed."""
    prompt_id, test_set_id = await set_up(http, cells)
    cpu_before, wall = cpu(), time.perf_counter()
    created = await http.post(
        "/api/v1/evaluations",
        json={
            "testSetId": test_set_id,
            "promptId": prompt_id,
            "models": ["openai/gpt-4o-mini"],
            "confirmCostUsd": 100,
        },
    )
    assert created.status_code == 202, created.text
    evaluation_id = created.json()["id"]
    while True:
        now = await counts(evaluation_id)
        if not now.get("pending") and not now.get("running"):
            break
        if time.perf_counter() - wall > TIMEOUT_S:
            raise SystemExit(f"the evaluation stalled after {TIMEOUT_S:.0f} s: {now}")
        await asyncio.sleep(0.2)
    wall = time.perf_counter() - wall
    spent = cpu() - cpu_before
    if now.get("passed", 0) != cells:
        failed = await http.get(f"/api/v1/evaluations/{evaluation_id}/cells", params={"limit": 1})
        print("not all passed:", now, failed.json()["items"][0], file=sys.stderr)
    return {
        "passed": now.get("passed", 0),
        "wall_s": wall,
        "cpu_ms_per_cell": spent / cells * 1000,
    }


def row(name: str, args: argparse.Namespace, result: dict[str, float]) -> str:
    ideal = args.cells * args.delay / args.concurrency
    return (
        f"| {name} | {args.cells} | {args.concurrency} | {result['wall_s']:.2f} | {ideal:.2f} "
        f"| {result['wall_s'] / ideal:.2f} | {result['cpu_ms_per_cell']:.2f} "
        f"| {result['peak_rss_mb']:.0f} | {result['passed']:.0f} |"
    )


def one_round(args: argparse.Namespace, port: int) -> list[tuple[str, dict[str, float]]]:
    """Each engine asked for, once."""
    results: list[tuple[str, dict[str, float]]] = []
    if args.database:
        from bench.evaluation_workers import with_workers

        name = f"PostgreSQL, {args.workers} worker processes"
        work = with_workers(args.cells, args.concurrency, port, args.database, args.workers)
        results.append((name, asyncio.run(work)))
    else:
        work = in_process(args.cells, args.concurrency, port)
        results.append(("SQLite, in the server", asyncio.run(work)))
    if args.promptfoo:
        from bench.evaluation_promptfoo import promptfoo

        results.append(("promptfoo", promptfoo(args.cells, args.concurrency, port, args.pf_dir)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32, help="in all processes")
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--database", help="a PostgreSQL server URL (else SQLite in process)")
    parser.add_argument("--workers", type=int, default=2, help="with --database")
    parser.add_argument("--promptfoo", action="store_true", help="measure promptfoo too")
    parser.add_argument(
        "--promptfoo-dir",
        dest="pf_dir",
        type=Path,
        default=Path.home() / ".cache" / "promptfoo-bench",
        help="where promptfoo is installed with npm (outside the repository)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds, each printed")
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "promptpro.testing.fake_providers", "--port", str(port)]
    fake = subprocess.Popen([*command, "--first-delay", str(args.delay)], stdout=subprocess.DEVNULL)
    rounds: list[list[tuple[str, dict[str, Any]]]] = []
    try:
        asyncio.run(wait_for_port(port, fake, "the fake provider"))
        for _ in range(args.repeat):
            rounds.append(one_round(args, port))
    finally:
        fake.terminate()
        fake.wait()
    print(f"load average before / after: {load_average()}")
    print(
        "| engine | cells | concurrency | wall (s) | ideal (s) | wall / ideal "
        "| CPU per cell (ms) | peak RSS (MB) | passed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for results in rounds:
        for name, result in results:
            print(row(name, args, result))
    for results in rounds:
        for name, result in results:
            if "start_wall_s" in result:
                print(
                    f"{name}: its process took {result['process_wall_s']:.1f} s; its start "
                    f"(a one-case eval, left out of CPU per cell) {result['start_wall_s']:.1f} s "
                    f"wall, {result['start_cpu_s']:.1f} s CPU"
                )
        if len(results) == 2:
            (ours, mine), (_, peer) = results
            print(
                f"{ours} / promptfoo: wall {mine['wall_s'] / peer['wall_s']:.2f}x, "
                f"CPU per cell {mine['cpu_ms_per_cell'] / peer['cpu_ms_per_cell']:.2f}x"
            )


_LOADS: list[str] = []


def load_average() -> str:
    """The 1-minute load average now (and when first asked)."""
    _LOADS.append(f"{os.getloadavg()[0]:.1f}")
    return " / ".join(_LOADS)


if __name__ == "__main__":
    load_average()
    main()
