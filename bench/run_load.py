"""PromptPro's run endpoint under concurrent load, on PostgreSQL and on SQLite.

    .venv/bin/python bench/run_load.py [--databases postgresql,sqlite] [--requests 1000]
                                       [--streams 1000] [--profile FILE]

For each database: a fresh database (PostgreSQL: a scratch database on the server
PROMPTPRO_BENCH_DATABASE_URL names; SQLite: a file in a temporary directory), the fake
provider (64 chunks, 5 ms apart) and `promptpro serve` in processes of their own, the
server alone on core 0 and the fake with this load generator on core 1. It measures:

- runs/s of 32 clients running non-streamed (JSON) runs, and the server's CPU per run;
- streams/s of 32 clients running streamed runs (64 deltas each), the first `delta`
  event's p50/p99, and the server's CPU per stream; the fake streamed directly by the same
  32 clients gives the mock's own limit;
- `--streams` streams started at once: errors, the slowest, and the server's RSS before
  (idle) and at its peak.

The server runs with the per-user and per-process run limits raised above the load, or
it would answer 429.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import (
    cpu_seconds,
    free_port,
    percentile,
    pinned,
    profile,
    scratch_database,
    started,
    wait_for_port,
)
from bench.run_overhead import DEFAULT_ADMIN_URL, Caller, Sample, set_up_account

CLIENTS = 32
CHUNKS = 64
CHUNK_DELAY_S = 0.005
BURST_TIMEOUT_S = 300.0


def rss_bytes(pid: int) -> int:
    """The resident set size of a process now (Linux; 0 elsewhere)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


async def load(
    call: Callable[[], Awaitable[Sample]], clients: int, n: int
) -> tuple[list[Sample], int, float]:
    """`n` calls from `clients` concurrent clients: the samples, the errors, the wall time."""
    samples: list[Sample] = []
    errors = 0
    remaining = n

    async def client() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            try:
                samples.append(await call())
            except Exception:
                errors += 1

    begun = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return samples, errors, time.perf_counter() - begun


async def measured(
    call: Callable[[], Awaitable[Sample]], pid: int, n: int
) -> tuple[list[Sample], int, float, float]:
    """A warm-up, then `n` calls from 32 clients: samples, errors, wall time, server CPU."""
    await load(call, CLIENTS, CLIENTS * 2)
    cpu = cpu_seconds(pid)
    samples, errors, wall = await load(call, CLIENTS, n)
    return samples, errors, wall, cpu_seconds(pid) - cpu


async def burst(caller: Caller, pid: int, streams: int) -> dict[str, str]:
    """`streams` streamed runs at once: errors, the slowest, RSS idle -> peak."""
    idle = peak = rss_bytes(pid)
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_bytes(pid))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    caller.http._timeout = aiohttp.ClientTimeout(total=BURST_TIMEOUT_S)
    samples, errors, wall = await load(lambda: caller.through(True), streams, streams)
    done.set()
    await watcher
    slowest = max((s.total for s in samples), default=0.0)
    return {
        "burst": f"{streams}: {errors} errors, all in {wall:.1f} s (slowest {slowest:.1f} s)",
        "rss": f"{idle / 2**20:.0f} → {peak / 2**20:.0f} MiB",
    }


async def one_database(args: argparse.Namespace, database_url: str, tmp: str) -> dict[str, str]:
    cores = os.cpu_count() or 1
    server_core, client_core = (0, 1) if cores >= 2 and not args.no_pin else (None, None)
    python = sys.executable
    fake_port, app_port = free_port(), free_port()
    fake_url, app_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{app_port}"
    limit = str(max(args.streams, CLIENTS) * 2)
    env = {
        **os.environ,
        "PROMPTPRO_DATA_DIR": tmp,
        "PROMPTPRO_DATABASE_URL": database_url,
        "PROMPTPRO_OPENAI_BASE_URL": f"{fake_url}/v1",
        "PROMPTPRO_LOG_LEVEL": args.log_level,
        "PROMPTPRO_MAX_RUNS_PER_USER": limit,
        "PROMPTPRO_MAX_RUNS_PER_PROCESS": limit,
        "PYTHONPATH": args.pythonpath or os.environ.get("PYTHONPATH", ""),
    }
    fake_cmd = [python, "-m", "promptpro.testing.fake_providers", "--port", str(fake_port)]
    fake_cmd += ["--chunks", str(CHUNKS), "--chunk-delay", str(CHUNK_DELAY_S)]
    serve_cmd = [python, "-m", "promptpro", "serve", "--port", str(app_port), "--migrate"]
    result: dict[str, str] = {}
    with (
        started(pinned(fake_cmd, client_core), env, Path(tmp, "fake.log")) as fake,
        started(pinned(serve_cmd, server_core), env, Path(tmp, "serve.log")) as server,
    ):
        await wait_for_port(fake_port, fake, "the fake provider")
        await wait_for_port(app_port, server, "promptpro serve")
        token, prompt_id = await set_up_account(app_url)
        caller = Caller(app_url, fake_url, token, prompt_id)
        profiler = profile(server.pid, args.profile, client_core)  # not on the server's core
        try:
            samples, errors, wall, cpu = await measured(
                lambda: caller.through(False), server.pid, args.requests
            )
            result["runs/s"] = f"{len(samples) / wall:.0f}" + (f" ({errors} err)" if errors else "")
            result["cpu/run"] = f"{cpu / max(1, len(samples)) * 1000:.2f}"
            totals = [s.total for s in samples]
            result["run p50/p99"] = f"{percentile(totals, 50):.0f} / {percentile(totals, 99):.0f}"
            n_streams = max(CLIENTS * 4, args.requests // 4)
            samples, errors, wall, cpu = await measured(
                lambda: caller.through(True), server.pid, n_streams
            )
            firsts = [s.first for s in samples if s.first is not None]
            result["streams/s"] = f"{len(samples) / wall:.1f}" + (
                f" ({errors} err)" if errors else ""
            )
            result["cpu/stream"] = f"{cpu / max(1, len(samples)) * 1000:.1f}"
            if firsts:
                result["TTFT p50/p99"] = (
                    f"{percentile(firsts, 50):.0f} / {percentile(firsts, 99):.0f}"
                )
            direct, _, wall = await load(lambda: caller.direct(True), CLIENTS, CLIENTS * 4)
            result["mock streams/s"] = f"{len(direct) / wall:.1f}"
            if args.streams:
                result.update(await burst(caller, server.pid, args.streams))
        finally:
            await caller.aclose()
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
    return result


COLUMNS = [
    ("database", "database"),
    ("runs/s", "runs/s, 32 clients"),
    ("run p50/p99", "run p50 / p99 ms"),
    ("cpu/run", "server CPU ms/run"),
    ("streams/s", "streams/s, 32 clients"),
    ("mock streams/s", "mock alone streams/s"),
    ("TTFT p50/p99", "first delta p50 / p99 ms"),
    ("cpu/stream", "server CPU ms/stream"),
    ("burst", "concurrent streams"),
    ("rss", "server RSS idle → peak"),
]


async def bench(args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    if cores >= 2 and not args.no_pin:
        os.sched_setaffinity(0, {1})
    rows = []
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="promptpro-load-") as tmp:
            if database == "sqlite":
                result = await one_database(args, f"sqlite:///{tmp}/promptpro.db", tmp)
            else:
                async with scratch_database(args.database) as url:
                    result = await one_database(args, url, tmp)
        result["database"] = "PostgreSQL" if database != "sqlite" else "SQLite"
        rows.append(result)
        print(result, file=sys.stderr)
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for result in rows:
        print("| " + " | ".join(result.get(key, "") for key, _ in COLUMNS) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--requests", type=int, default=1000, help="non-streamed runs timed")
    parser.add_argument("--streams", type=int, default=1000, help="streams started at once")
    parser.add_argument(
        "--database",
        default=os.environ.get("PROMPTPRO_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark's database on",
    )
    parser.add_argument("--log-level", default="INFO", help="the server's log level")
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to cores")
    parser.add_argument("--pythonpath", help="serve this source tree (paired comparisons)")
    parser.add_argument("--profile", type=Path, help="py-spy samples of the server (raw)")
    args = parser.parse_args()
    import uvloop

    uvloop.run(until_stopped(args))


async def until_stopped(args: argparse.Namespace) -> None:
    """Run the benchmark; SIGTERM or Ctrl-C still stops the processes and drops the database."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await bench(args)


if __name__ == "__main__":
    main()
