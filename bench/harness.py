"""What the benchmarks need around the code they measure: processes, a database, statistics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


# --- processes and the database ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(command: list[str], core: int | None) -> list[str]:
    """`command` on one core when taskset is there (a benchmark on shared cores is noise)."""
    if core is None or shutil.which("taskset") is None:
        return command
    return ["taskset", "-c", str(core), *command]


async def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before listening")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"{what} did not listen on port {port} within 60 s")


@contextlib.contextmanager
def started(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server `admin_url` names; dropped afterwards."""
    name = f"promptpro_bench_{secrets.token_hex(4)}"
    admin_url = admin_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base, _, _ = admin_url.rpartition("/")
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def profile(pid: int, out: Path | None, core: int | None) -> subprocess.Popen[bytes] | None:
    """Sample the server with py-spy (collapsed stacks in `out`) while the benchmark runs."""
    if out is None:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [py_spy, "record", "--pid", str(pid), "--rate", "500", "--format", "raw"]
    command += ["--nonblocking", "--output", str(out)]
    return subprocess.Popen(pinned(command, core), stdout=subprocess.DEVNULL)


FETCHED_NAME = "support/triage-email"
# `call(method, path, headers, body)`: the JSON answer, or SystemExit on a status >= 300.
ApiCall = Callable[[str, str, dict[str, str], Any], Awaitable[Any]]


async def fetch_library(call: ApiCall, username: str, password: str) -> str:
    """What the fetch benches fetch: a user, a token, a snippet and a prompt that includes it
    (10 lines) labelled production, made through the API; the token."""
    session = await call(
        "POST", "/api/v1/auth/register", {}, {"username": username, "password": password}
    )
    csrf = {"X-CSRF-Token": session["csrfToken"]}
    token = (await call("POST", "/api/v1/tokens", csrf, {"name": "bench"}))["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    snippet = {"name": "shared/tone", "title": "Tone", "content": "Be brief and kind."}
    await call("POST", "/api/v1/prompts", bearer, snippet)
    prompt = await call(
        "POST",
        "/api/v1/prompts",
        bearer,
        {
            "name": FETCHED_NAME,
            "title": "Triage",
            "content": "{{> shared/tone}}\nSort this e-mail: {{email}}\n" * 10,
            "model": "openai/gpt-4o-mini",
            "parameters": {"temperature": 0.2},
        },
    )
    labelled = f"/api/v1/prompts/{prompt['id']}/labels/production"
    await call("PUT", labelled, bearer, {"version": 1})
    return str(token)
