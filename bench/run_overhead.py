"""What PromptPro adds to a model call: its run endpoint against the provider called directly.

    .venv/bin/python bench/run_overhead.py [--requests 300] [--concurrent-requests 2000]
                                           [--database postgresql://user@host:5432/postgres]

It creates a PostgreSQL database of its own (from PROMPTPRO_BENCH_DATABASE_URL, or the
server on 127.0.0.1), starts the fake provider and `promptpro serve` in processes of their
own on free loopback ports, signs up a user with a token, an OpenAI key and a prompt through
the API, then times, interleaved, (a) the fake called directly with the openai SDK on the
transport PromptPro uses and (b) the same call through `POST /api/v1/prompts/{id}/run`. On a
machine with two or more cores the server gets core 0 to itself and the fake shares core 1
with this load generator. Everything stops, and the database is dropped, at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import openai

# Run as a script, this file's folder is on the path and not the repository: add it.
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

MODEL = "gpt-4o-mini"
PROMPT = "Say hello to {{name}} in one short sentence."
VARIABLES = {"name": "the benchmark"}
RENDERED = PROMPT.replace("{{name}}", VARIABLES["name"])
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
WARMUP = 50
REQUEST_TIMEOUT_S = 30.0  # a request that takes longer counts as an error


@dataclass
class Sample:
    """One timed request: seconds to the whole answer and, for streams, to the first text."""

    total: float
    first: float | None = None


@dataclass
class Side:
    """The samples of one way of calling (direct or through PromptPro) in one scenario."""

    samples: list[Sample] = field(default_factory=list)
    busy: float = 0.0  # wall time of the concurrent blocks, for throughput
    errors: int = 0
    warmup: int = 0  # requests made before the samples (they cost the server CPU too)

    def totals(self) -> list[float]:
        return [sample.total for sample in self.samples]

    def firsts(self) -> list[float]:
        return [sample.first for sample in self.samples if sample.first is not None]


# --- the two ways of calling ------------------------------------------------------------


class Caller:
    """Times one request either way; the same prompt, model and fake server."""

    def __init__(self, app_url: str, fake_url: str, token: str, prompt_id: int) -> None:
        self.run_url = f"{app_url}/api/v1/prompts/{prompt_id}/run"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.body = {"variables": VARIABLES}
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        self.http = aiohttp.ClientSession(connector=connector, timeout=timeout)
        self.sdk = openai.AsyncOpenAI(
            api_key="sk-bench-direct",
            base_url=f"{fake_url}/v1",
            max_retries=0,
            timeout=REQUEST_TIMEOUT_S,
            http_client=openai.DefaultAioHttpClient(),
        )

    async def aclose(self) -> None:
        await self.http.close()
        await self.sdk.close()

    async def direct(self, stream: bool) -> Sample:
        messages: Any = [{"role": "user", "content": RENDERED}]
        started = time.perf_counter()
        if not stream:
            await self.sdk.chat.completions.create(model=MODEL, messages=messages)
            return Sample(time.perf_counter() - started)
        first = None
        chunks = await self.sdk.chat.completions.create(
            model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
        )
        async with chunks:
            async for chunk in chunks:
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - started
        return Sample(time.perf_counter() - started, first)

    async def through(self, stream: bool) -> Sample:
        started = time.perf_counter()
        if not stream:
            async with self.http.post(self.run_url, json=self.body, headers=self.headers) as resp:
                await resp.read()
                if resp.status != 201:
                    raise RuntimeError(f"run answered {resp.status}")
            return Sample(time.perf_counter() - started)
        first = None
        headers = {**self.headers, "Accept": "text/event-stream"}
        async with self.http.post(self.run_url, json=self.body, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"streamed run answered {resp.status}")
            async for line in resp.content:
                if first is None and line.startswith(b"event: delta"):
                    first = time.perf_counter() - started
                elif line.startswith(b"event: error"):
                    raise RuntimeError("the streamed run failed")
        return Sample(time.perf_counter() - started, first)


async def timed(call: Callable[[], Awaitable[Sample]], side: Side) -> None:
    try:
        side.samples.append(await call())
    except Exception:
        side.errors += 1


async def one_client(caller: Caller, stream: bool, requests: int) -> tuple[Side, Side]:
    """Alternate direct and through request by request (order flipped each time)."""
    direct, through = Side(), Side(warmup=WARMUP)
    for _ in range(WARMUP):
        await caller.direct(stream)
        await caller.through(stream)
    for i in range(requests):
        pair = [(lambda: caller.direct(stream), direct), (lambda: caller.through(stream), through)]
        for call, side in pair if i % 2 else reversed(pair):
            await timed(call, side)
    return direct, through


async def block(call: Callable[[], Awaitable[Sample]], side: Side, clients: int, n: int) -> None:
    """`n` requests from `clients` concurrent clients; adds the block's wall time."""
    remaining = n

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await timed(call, side)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    side.busy += time.perf_counter() - started


async def many_clients(
    caller: Caller, stream: bool, clients: int, requests: int, blocks: int = 8
) -> tuple[Side, Side]:
    """Alternate blocks of concurrent direct and through requests."""
    direct, through = Side(), Side(warmup=clients * 4)
    await block(lambda: caller.direct(stream), Side(), clients, clients * 4)
    await block(lambda: caller.through(stream), Side(), clients, clients * 4)
    per_block = max(1, requests // blocks)
    for i in range(blocks):
        order = [(caller.direct, direct), (caller.through, through)]
        for call, side in order if i % 2 == 0 else reversed(order):
            await block(lambda call=call: call(stream), side, clients, per_block)  # type: ignore[misc]
    return direct, through


# --- setting up the account -------------------------------------------------------------


async def set_up_account(app_url: str) -> tuple[str, int]:
    """A user with a token, an OpenAI key and a prompt, made through the API."""
    jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address
    async with aiohttp.ClientSession(base_url=app_url, cookie_jar=jar) as http:

        async def call(method: str, path: str, headers: dict[str, str], body: Any) -> Any:
            async with http.request(method, path, json=body, headers=headers) as resp:
                if resp.status >= 300:
                    raise SystemExit(f"{method} {path}: {resp.status} {await resp.text()}")
                return await resp.json()

        username = f"bench-{secrets.token_hex(4)}"
        account = {"username": username, "password": secrets.token_urlsafe(16)}
        session = await call("POST", "/api/v1/auth/register", {}, account)
        csrf = {"X-CSRF-Token": session["csrfToken"]}
        created = await call("POST", "/api/v1/tokens", csrf, {"name": "bench"})
        bearer = {"Authorization": f"Bearer {created['token']}"}
        await call("PUT", "/api/v1/keys/openai", bearer, {"key": "sk-bench-" + "x" * 32})
        prompt = await call(
            "POST",
            "/api/v1/prompts",
            bearer,
            {"title": "Bench", "content": PROMPT, "model": f"openai/{MODEL}"},
        )
        return created["token"], int(prompt["id"])


# --- the table --------------------------------------------------------------------------


def row(clients: int, stream: bool, direct: Side, through: Side, cpu: float) -> list[str]:
    d, t = direct.totals(), through.totals()
    added = [percentile(t, p) - percentile(d, p) for p in (50, 99)]
    first = ["", ""]
    if stream and direct.firsts() and through.firsts():
        df, tf = direct.firsts(), through.firsts()
        first = [f"{percentile(tf, p) - percentile(df, p):.2f}" for p in (50, 99)]
    rate_d = len(d) / direct.busy if direct.busy else None
    rate_t = len(t) / through.busy if through.busy else None
    errors = direct.errors + through.errors
    return [
        str(clients),
        "stream" if stream else "json",
        f"{percentile(d, 50):.2f} / {percentile(d, 99):.2f}",
        f"{percentile(t, 50):.2f} / {percentile(t, 99):.2f}",
        f"**{added[0]:.2f}**",
        f"{added[1]:.2f}",
        *first,
        f"{rate_d:.0f}" if rate_d else "",
        f"{rate_t:.0f}" if rate_t else "",
        f"{cpu / max(1, len(t) + through.warmup) * 1000:.2f}",
        f"{len(t)}" + (f" ({errors} errors)" if errors else ""),
    ]


HEADER = [
    "clients",
    "mode",
    "direct p50 / p99 ms",
    "through p50 / p99 ms",
    "added p50 ms",
    "added p99 ms",
    "added TTFT p50 ms",
    "added TTFT p99 ms",
    "direct req/s",
    "through req/s",
    "server CPU ms/req",
    "requests",
]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    server_core, client_core = (0, 1) if cores >= 2 and not args.no_pin else (None, None)
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    python = sys.executable
    promptpro = str(Path(python).with_name("promptpro"))
    async with scratch_database(args.database) as database_url:
        with tempfile.TemporaryDirectory(prefix="promptpro-bench-") as tmp:
            fake_port, app_port = free_port(), free_port()
            fake_url, app_url = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{app_port}"
            env = {
                **os.environ,
                "PROMPTPRO_DATA_DIR": tmp,
                "PROMPTPRO_DATABASE_URL": database_url,
                "PROMPTPRO_OPENAI_BASE_URL": f"{fake_url}/v1",
                "PROMPTPRO_LOG_LEVEL": args.log_level,
            }
            fake_cmd = [python, "-m", "promptpro.testing.fake_providers", "--port", str(fake_port)]
            fake_cmd += ["--chunks", str(args.chunks), "--chunk-delay", str(args.chunk_delay)]
            serve_cmd = [promptpro, "serve", "--port", str(app_port), "--migrate"]
            with (
                started(pinned(fake_cmd, client_core), env, Path(tmp, "fake.log")) as fake,
                started(pinned(serve_cmd, server_core), env, Path(tmp, "serve.log")) as server,
            ):
                await wait_for_port(fake_port, fake, "the fake provider")
                await wait_for_port(app_port, server, "promptpro serve")
                token, prompt_id = await set_up_account(app_url)
                caller = Caller(app_url, fake_url, token, prompt_id)
                profiler = profile(server.pid, args.profile, server_core)
                rows = []
                try:
                    for scenario in args.scenarios.split(","):
                        clients_text, _, mode = scenario.partition(":")
                        clients, stream = int(clients_text), mode == "stream"
                        cpu_before = cpu_seconds(server.pid)
                        if clients == 1:
                            sides = await one_client(caller, stream, args.requests)
                        else:
                            sides = await many_clients(
                                caller, stream, clients, args.concurrent_requests
                            )
                        cpu = cpu_seconds(server.pid) - cpu_before
                        rows.append(row(clients, stream, *sides, cpu))
                        print(markdown(rows[-1:]).splitlines()[-1], file=sys.stderr)
                finally:
                    await caller.aclose()
                    if profiler is not None:
                        profiler.send_signal(signal.SIGINT)  # py-spy writes its file and exits
                        profiler.wait(timeout=60)
                if args.server_log:
                    shutil.copy(Path(tmp, "serve.log"), args.server_log)
    pinning = f"server on core {server_core}, fake + client on core {client_core}"
    print(f"\n{cores} cores; {pinning if server_core is not None else 'no pinning'}")
    print(markdown(rows))


async def until_stopped(args: argparse.Namespace) -> None:
    """Run the benchmark; SIGTERM or Ctrl-C still stops the processes and drops the database."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await bench(args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per side at one client")
    parser.add_argument("--concurrent-requests", type=int, default=2000, help="per side")
    parser.add_argument(
        "--scenarios",
        default="1:json,1:stream,32:json,32:stream",
        help="clients:mode pairs, mode json or stream",
    )
    parser.add_argument("--chunks", type=int, default=8, help="text deltas per answer")
    parser.add_argument(
        "--chunk-delay",
        type=float,
        default=0.002,
        help="seconds between two deltas of a stream (so the first token comes first)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("PROMPTPRO_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark's database on",
    )
    parser.add_argument("--log-level", default="INFO", help="the server's log level")
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to cores")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here")
    parser.add_argument(
        "--profile", type=Path, help="sample the server with py-spy into this file (raw stacks)"
    )
    args = parser.parse_args()
    try:
        import uvloop  # the load generator should cost as little as it can
    except ImportError:
        asyncio.run(until_stopped(args))
    else:
        uvloop.run(until_stopped(args))


if __name__ == "__main__":
    main()
