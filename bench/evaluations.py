"""Evaluation engine throughput: 1,000 cells against the fake provider answering in 50 ms.

    .venv/bin/python bench/evaluations.py [--cells 1000] [--concurrency 32] [--delay 0.05]

The server's engine runs in this process (SQLite, `evaluation_runner = "server"`), driven
through the API in process (httpx over ASGI); the fake provider runs in a process of its
own. Measured: wall time from the POST to the last cell recorded, against the ideal
(cells x delay / concurrency); this process's CPU per cell (the engine, the run path, the
database writes; the few API calls included); its peak RSS. Progress is read straight
from the database every 0.2 s (one grouped count), not through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import free_port, wait_for_port
from promptpro.app import create_app
from promptpro.config import load_settings
from promptpro.db import migrate
from promptpro.db.session import unit_of_work
from promptpro.storage import Storage


def cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(
    cells: int, concurrency: int, port: int, fake: subprocess.Popen[bytes]
) -> dict[str, float]:
    """The measurement, with the fake provider already started on `port`."""
    await wait_for_port(port, fake, "the fake provider")
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
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                return await _measure(app, http, cells)


async def _measure(app: object, http: httpx.AsyncClient, cells: int) -> dict[str, float]:
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
    factory = app.state.session_factory  # type: ignore[attr-defined]
    cpu, wall = cpu_now(), time.perf_counter()
    created = await http.post(
        "/api/v1/evaluations",
        json={
            "testSetId": test_set["id"],
            "promptId": prompt["id"],
            "models": ["openai/gpt-4o-mini"],
            "confirmCostUsd": 100,
        },
    )
    assert created.status_code == 202, created.text
    evaluation_id = created.json()["id"]
    while True:
        async with unit_of_work(factory) as session:
            counts = await Storage(session).cell_counts(evaluation_id)
        if not counts.get("pending") and not counts.get("running"):
            break
        await asyncio.sleep(0.2)
    wall = time.perf_counter() - wall
    cpu = cpu_now() - cpu
    if counts.get("passed", 0) != cells:
        failed = await http.get(f"/api/v1/evaluations/{evaluation_id}/cells", params={"limit": 1})
        print("not all passed:", counts, failed.json()["items"][0], file=sys.stderr)
    return {
        "cells": cells,
        "passed": counts.get("passed", 0),
        "wall_s": wall,
        "cpu_ms_per_cell": cpu / cells * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "promptpro.testing.fake_providers", "--port", str(port)]
    fake = subprocess.Popen([*command, "--first-delay", str(args.delay)], stdout=subprocess.DEVNULL)
    try:
        result = asyncio.run(run(args.cells, args.concurrency, port, fake))
    finally:
        fake.terminate()
        fake.wait()
    ideal = args.cells * args.delay / args.concurrency
    print(
        "| cells | concurrency | wall (s) | ideal (s) | wall / ideal | CPU per cell (ms) "
        "| peak RSS (MB) | passed |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.cells} | {args.concurrency} | {result['wall_s']:.2f} | {ideal:.2f} "
        f"| {result['wall_s'] / ideal:.2f} | {result['cpu_ms_per_cell']:.1f} "
        f"| {result['peak_rss_mb']:.0f} | {result['passed']:.0f} |"
    )


if __name__ == "__main__":
    main()
