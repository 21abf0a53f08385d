"""What the OpenAI-compatible endpoint adds to a run: `/v1/chat/completions` with the official
`openai` SDK (model `prompt:bench`) against `POST /api/v1/prompts/{id}/run`, same prompt.

    .venv/bin/python bench/openai_compat.py [--requests 300] [--concurrent-requests 2000]
                                            [--database postgresql://user@host:5432/postgres]

Set up as bench/run_overhead.py (a scratch PostgreSQL database, the fake provider and
`promptpro serve` in processes of their own, pinned when there are two cores); each
scenario alternates the two ways request by request (1 client) or block by block (32).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import free_port, percentile, pinned, scratch_database, started, wait_for_port
from bench.run_overhead import (
    DEFAULT_ADMIN_URL,
    REQUEST_TIMEOUT_S,
    VARIABLES,
    WARMUP,
    Caller,
    Sample,
    Side,
    block,
    set_up_account,
    timed,
)


class GatewayCaller(Caller):
    """The run endpoint (`through`) and the same prompt through /v1 (`gateway`)."""

    def __init__(self, app_url: str, fake_url: str, token: str, prompt_id: int) -> None:
        super().__init__(app_url, fake_url, token, prompt_id)
        self.gateway_sdk = openai.AsyncOpenAI(
            api_key=token,
            base_url=f"{app_url}/v1",
            max_retries=0,
            timeout=REQUEST_TIMEOUT_S,
            http_client=openai.DefaultAioHttpClient(),
        )

    async def aclose(self) -> None:
        await super().aclose()
        await self.gateway_sdk.close()

    async def gateway(self, stream: bool) -> Sample:
        messages: Any = []
        extra = {"variables": VARIABLES}
        started_at = time.perf_counter()
        if not stream:
            await self.gateway_sdk.chat.completions.create(
                model="prompt:bench", messages=messages, extra_body=extra
            )
            return Sample(time.perf_counter() - started_at)
        first = None
        chunks = await self.gateway_sdk.chat.completions.create(
            model="prompt:bench",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
            extra_body=extra,
        )
        async with chunks:
            async for chunk in chunks:
                if first is None and chunk.choices and chunk.choices[0].delta.content:
                    first = time.perf_counter() - started_at
        return Sample(time.perf_counter() - started_at, first)


async def one_client(caller: GatewayCaller, stream: bool, requests: int) -> tuple[Side, Side]:
    run, gateway = Side(), Side()
    for _ in range(WARMUP):
        await caller.through(stream)
        await caller.gateway(stream)
    for i in range(requests):
        pair = [(lambda: caller.through(stream), run), (lambda: caller.gateway(stream), gateway)]
        for call, side in pair if i % 2 else reversed(pair):
            await timed(call, side)
    return run, gateway


async def many_clients(
    caller: GatewayCaller, stream: bool, clients: int, requests: int, blocks: int = 8
) -> tuple[Side, Side]:
    run, gateway = Side(), Side()
    await block(lambda: caller.through(stream), Side(), clients, clients * 4)
    await block(lambda: caller.gateway(stream), Side(), clients, clients * 4)
    per_block = max(1, requests // blocks)
    for i in range(blocks):
        order = [(caller.through, run), (caller.gateway, gateway)]
        for call, side in order if i % 2 == 0 else reversed(order):
            await block(lambda call=call: call(stream), side, clients, per_block)  # type: ignore[misc]
    return run, gateway


HEADER = [
    "clients",
    "mode",
    "run endpoint p50 / p99 ms",
    "/v1 p50 / p99 ms",
    "added p50 ms",
    "added TTFT p50 ms",
    "run endpoint req/s",
    "/v1 req/s",
    "requests (errors)",
]


def row(clients: int, stream: bool, run: Side, gateway: Side) -> list[str]:
    r, g = run.totals(), gateway.totals()
    first = ""
    if stream and run.firsts() and gateway.firsts():
        first = f"{percentile(gateway.firsts(), 50) - percentile(run.firsts(), 50):.2f}"
    rates = [f"{len(side.samples) / side.busy:.0f}" if side.busy else "" for side in (run, gateway)]
    return [
        str(clients),
        "stream" if stream else "json",
        f"{percentile(r, 50):.2f} / {percentile(r, 99):.2f}",
        f"{percentile(g, 50):.2f} / {percentile(g, 99):.2f}",
        f"**{percentile(g, 50) - percentile(r, 50):.2f}**",
        first,
        *rates,
        f"{len(g)} ({run.errors + gateway.errors})",
    ]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in rows])


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
                "PROMPTPRO_LOG_LEVEL": "WARNING",
                # 32 clients of one user: past the default 20 runs per user, half would be 429.
                "PROMPTPRO_MAX_RUNS_PER_USER": "1000",
            }
            fake_cmd = [python, "-m", "promptpro.testing.fake_providers", "--port", str(fake_port)]
            fake_cmd += ["--chunks", "8", "--chunk-delay", "0.002"]
            serve_cmd = [promptpro, "serve", "--port", str(app_port), "--migrate"]
            with (
                started(pinned(fake_cmd, client_core), env, Path(tmp, "fake.log")) as fake,
                started(pinned(serve_cmd, server_core), env, Path(tmp, "serve.log")) as server,
            ):
                await wait_for_port(fake_port, fake, "the fake provider")
                await wait_for_port(app_port, server, "promptpro serve")
                token, prompt_id = await set_up_account(app_url)
                caller = GatewayCaller(app_url, fake_url, token, prompt_id)
                rows = []
                try:
                    for scenario in args.scenarios.split(","):
                        clients_text, _, mode = scenario.partition(":")
                        clients, stream = int(clients_text), mode == "stream"
                        if clients == 1:
                            sides = await one_client(caller, stream, args.requests)
                        else:
                            sides = await many_clients(
                                caller, stream, clients, args.concurrent_requests
                            )
                        rows.append(row(clients, stream, *sides))
                        print(markdown(rows[-1:]).splitlines()[-1], file=sys.stderr)
                finally:
                    await caller.aclose()
    pinning = f"server on core {server_core}, fake + client on core {client_core}"
    print(f"\n{cores} cores; {pinning if server_core is not None else 'no pinning'}")
    print(markdown(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="per side at one client")
    parser.add_argument("--concurrent-requests", type=int, default=2000, help="per side")
    parser.add_argument("--scenarios", default="1:json,1:stream,32:json,32:stream")
    parser.add_argument(
        "--database",
        default=os.environ.get("PROMPTPRO_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="a PostgreSQL server to create the benchmark's database on",
    )
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to cores")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
