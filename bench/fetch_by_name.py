"""Fetch by name (`GET /api/v1/prompts/by-name/{name}`) under concurrent load.

    .venv/bin/python bench/fetch_by_name.py [--databases postgresql,sqlite] [--clients 64]
                                            [--requests 20000]
                                            [--pythonpath OTHER/src]  # serve another tree
                                            [--rate 3000]  # an open load, not a closed loop

For each database: a fresh database (PostgreSQL: a scratch database on the server
PROMPTPRO_BENCH_DATABASE_URL names; SQLite: a file in a temporary directory) and
`promptpro serve` (one worker) in a process of its own, alone on core 0, with this load
generator on core 1. A user with a token and a prompt labelled `production` that includes
a snippet is made through the API; then `--clients` clients fetch it by name with the
token, `--requests` times in all: plain (200 with the body), and revalidating with the
ETag (304). It prints fetches/s, latency p50/p99 and the server's CPU per fetch.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import (
    FETCHED_NAME,
    cpu_seconds,
    fetch_library,
    free_port,
    percentile,
    pinned,
    scratch_database,
    started,
)

START_TIMEOUT_S = 300.0  # a loaded machine imports the server's SDKs slowly


async def wait_for_port(port: int, process: Any, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before listening")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise SystemExit(f"{what} did not listen on port {port} within {START_TIMEOUT_S:.0f} s")


DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = FETCHED_NAME


async def set_up(app_url: str) -> str:
    """The fetch benches' library (bench/harness.fetch_library); the token."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=app_url, cookie_jar=jar) as http:

        async def call(method: str, path: str, headers: dict[str, str], body: Any) -> Any:
            async with http.request(method, path, json=body, headers=headers) as resp:
                if resp.status >= 300:
                    raise SystemExit(f"{method} {path}: {resp.status} {await resp.text()}")
                return await resp.json()

        username = f"bench-{secrets.token_hex(4)}"
        return await fetch_library(call, username, secrets.token_hex(12))


async def load(
    app_url: str, token: str, clients: int, requests: int, revalidate: bool, rate: float = 0
) -> dict[str, float]:
    """`requests` fetches by `clients` concurrent clients: the rate, and p50/p99 in ms.

    `rate` > 0: an open load instead of a closed loop; fetch i is due at i / rate seconds
    and its latency is timed from then (a late start counts against the server).
    """
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/prompts/by-name/{NAME}"
    connector = aiohttp.TCPConnector(limit=clients)
    latencies: list[float] = []
    async with aiohttp.ClientSession(base_url=app_url, connector=connector) as http:
        async with http.get(path, headers=headers) as first:
            etag = first.headers["ETag"]
        if revalidate:
            headers = {**headers, "If-None-Match": etag}
        expected = 304 if revalidate else 200
        remaining = requests

        async def client() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started_at = time.perf_counter()
                if rate > 0 and latencies is not warm:
                    started_at = began + (requests - remaining - 1) / rate
                    await asyncio.sleep(max(0.0, started_at - time.perf_counter()))
                async with http.get(path, headers=headers) as resp:
                    await resp.read()
                    if resp.status != expected:
                        raise SystemExit(f"fetch: {resp.status}")
                latencies.append(time.perf_counter() - started_at)  # percentile() gives ms

        warm = latencies
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))  # warm the connections
        remaining = requests
        latencies = []
        client_cpu = time.process_time()
        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return {
        "rate": len(latencies) / elapsed,
        "client_cpu": (time.process_time() - client_cpu) / len(latencies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }


async def one_database(
    kind: str, args: argparse.Namespace, cores: tuple[int | None, int | None]
) -> list[list[str]]:
    server_core, _ = cores
    python = sys.executable
    promptpro = str(Path(python).with_name("promptpro"))
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="promptpro-bench-") as tmp:
        if kind == "postgresql":
            database = scratch_database(args.database)
            database_url = await database.__aenter__()
        else:
            database = None
            database_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        try:
            port = free_port()
            app_url = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "PROMPTPRO_DATA_DIR": tmp,
                "PROMPTPRO_DATABASE_URL": database_url,
                "PROMPTPRO_LOG_LEVEL": "warning",
                "PYTHONPATH": args.pythonpath or os.environ.get("PYTHONPATH", ""),
            }
            command = [promptpro, "serve", "--port", str(port), "--migrate"]
            with started(pinned(command, server_core), env, Path(tmp, "serve.log")) as server:
                await wait_for_port(port, server, "promptpro serve")
                token = await set_up(app_url)
                for revalidate in (False, True):
                    cpu_before = cpu_seconds(server.pid)
                    result = await load(
                        app_url, token, args.clients, args.requests, revalidate, args.rate
                    )
                    cpu = cpu_seconds(server.pid) - cpu_before
                    rows.append(
                        [
                            kind,
                            ("304 (If-None-Match)" if revalidate else "200")
                            + (f" at {args.rate:,.0f}/s" if args.rate else ""),
                            str(args.clients),
                            f"{result['rate']:,.0f}",
                            f"{result['p50']:.2f}",
                            f"{result['p99']:.2f}",
                            f"{cpu / (args.requests * 2) * 1e6:.0f}",
                            f"{result['client_cpu'] * 1e6:.0f}",
                        ]
                    )
                    print(" | ".join(rows[-1]), file=sys.stderr)
        finally:
            if database is not None:
                await database.__aexit__(None, None, None)
    return rows


def markdown(rows: list[list[str]]) -> str:
    head = [
        "database",
        "answer",
        "clients",
        "fetches/s",
        "p50 ms",
        "p99 ms",
        "server CPU µs/fetch",
        "client CPU µs/fetch",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> None:
    count = os.cpu_count() or 1
    cores = (0, 1) if count >= 2 and not args.no_pin else (None, None)
    if cores[1] is not None:
        os.sched_setaffinity(0, {cores[1]})
    rows: list[list[str]] = []
    for kind in args.databases.split(","):
        rows += await one_database(kind, args, cores)
    print(
        f"\n{count} cores; "
        + ("server on core 0, clients on core 1" if cores[0] is not None else "no pinning")
    )
    print(markdown(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument(
        "--database",
        default=os.environ.get("PROMPTPRO_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="the PostgreSQL server to make a scratch database on",
    )
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to cores")
    parser.add_argument("--pythonpath", help="serve this source tree (paired comparisons)")
    parser.add_argument(
        "--rate", type=float, default=0, help="an open load of this many fetches/s (0: closed)"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
