"""Server CPU per fetch by name, in process: the app called as ASGI, no socket, no server.

    .venv/bin/python bench/fetch_in_process.py [--requests 5000] [--profile FILE]
        [--path /healthz]                       # another route, to compare
        [--no-fast-path | --fast-path-outermost]  # without api/fetch_fast.py, or outside all

An app on a fresh SQLite database (a temporary directory); a user, a token and a prompt
labelled `production` that includes a snippet are made through the API; then the fetch is
called `--requests` times, one after another, straight through `app(scope, receive, send)`:
the figure is the process's CPU time per call, with nothing of uvicorn's, the kernel's or a
client's in it. It prints µs per fetch for the 200 and for the 304 (If-None-Match).
`--profile FILE` runs the 200 loop under cProfile and writes its stats (pstats) there.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import FETCHED_NAME, fetch_library
from promptpro.api.fetch_fast import FetchFastPath
from promptpro.app import create_app
from promptpro.config import load_settings
from promptpro.db.migrate import upgrade

NAME = FETCHED_NAME


async def set_up(client: httpx.AsyncClient) -> str:
    """The fetch benches' library (bench/harness.fetch_library); the token."""

    async def call(method: str, path: str, headers: dict[str, str], body: Any) -> Any:
        response = await client.request(method, path, json=body, headers=headers)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    return await fetch_library(call, "bench", "x" * 12)


def scope_for(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """An HTTP scope as uvicorn hands it over."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def loop(app: Any, path: str, headers: list[tuple[bytes, bytes]], count: int) -> int:
    """Call the app `count` times; the status of the last answer."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    for _ in range(count):
        await app(scope_for(path, headers), receive, send)
    return status


async def bench(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="promptpro-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade(url)
        settings = load_settings(database_url=url, data_dir=Path(tmp), secret_key="s" * 64)
        app = create_app(settings)
        # The middleware stack is built on the first call: rearranged before it.
        fast = [m for m in app.user_middleware if m.cls is FetchFastPath]  # type: ignore[comparison-overlap]
        others = [m for m in app.user_middleware if m not in fast]
        if args.no_fast_path:
            app.user_middleware = others
        elif args.fast_path_outermost:
            app.user_middleware = fast + others
        logging.getLogger("promptpro.access").setLevel(logging.INFO)  # as served: logged
        logging.getLogger("promptpro.access").handlers = [logging.NullHandler()]
        logging.getLogger("promptpro.access").propagate = False
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                token = await set_up(client)
                first = await client.get(
                    f"/api/v1/prompts/by-name/{NAME}", headers={"Authorization": f"Bearer {token}"}
                )
                etag = first.headers["etag"]
            path = args.path or f"/api/v1/prompts/by-name/{NAME}"
            auth = [(b"authorization", f"Bearer {token}".encode())]
            cases = [("200", auth), ("304", [*auth, (b"if-none-match", etag.encode())])]
            for what, headers in cases:
                await loop(app, path, headers, 200)  # warm up
                if args.profile and what == "200":
                    profiler = cProfile.Profile()
                    profiler.enable()
                began = time.process_time()
                status = await loop(app, path, headers, args.requests)
                used = time.process_time() - began
                if args.profile and what == "200":
                    profiler.disable()
                    profiler.dump_stats(args.profile)
                print(f"{what}: status {status}, {used / args.requests * 1e6:.0f} µs CPU per call")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--profile", help="write cProfile stats of the 200 loop here")
    parser.add_argument("--path", help="call this path instead (same headers)")
    parser.add_argument(
        "--no-fast-path", action="store_true", help="without api/fetch_fast.py (before/after)"
    )
    parser.add_argument(
        "--fast-path-outermost", action="store_true", help="the fast path outside every middleware"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
