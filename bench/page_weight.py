"""Page weight: the bytes a cold load of each page transfers (with its CSS and JS), and the
time to its first byte, on a real `promptpro serve` over loopback.

A cold load is a browser with an empty cache: the page, then every stylesheet, script
(module imports included) and icon it names, each asked for with `Accept-Encoding: gzip`
as a browser does. "Bytes" are what crosses the wire: the response headers and the body
as sent (compressed or not). The library holds 20 prompts; the prompt page has 20 responses
in its history, each an answer of about 600 characters.

    .venv/bin/python bench/page_weight.py [--loads 20]

Loopback only; it starts the server and the fake provider itself and stops them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from promptpro.testing import FakeProviderServer

# Run as a script, this file's folder is on the path and not the repository: add it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import free_port, started, wait_for_port

BUDGET_BYTES = 50 * 1024
HISTORY = 20
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip"}
ENCODING = {"Accept-Encoding": "gzip"}
_ASSET = re.compile(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/static/[^"]+)"')
_IMPORT = re.compile(r"""(?:import|from)\s*["']([^"']+\.js)["']""")


@dataclass(frozen=True)
class Transfer:
    """One response of a cold load: its URL and the bytes it took on the wire."""

    url: str
    wire_bytes: int


def wire_bytes(response: httpx.Response) -> int:
    """Status line, headers and the body as sent (before httpx un-gzips it)."""
    headers = sum(len(name) + len(value) + 4 for name, value in response.headers.raw)
    return len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n\r\n") + (
        headers + response.num_bytes_downloaded
    )


async def cold_load(client: httpx.AsyncClient, path: str) -> list[Transfer]:
    """Load `path` and everything it pulls in, as a browser with an empty cache."""
    page = await client.get(path, headers=BROWSER)
    if page.status_code != 200:
        raise RuntimeError(f"GET {path}: {page.status_code}")
    transfers = [Transfer(path, wire_bytes(page))]
    pending = list(dict.fromkeys(_ASSET.findall(page.text)))
    seen = set(pending)
    while pending:
        url = pending.pop(0)
        response = await client.get(url, headers=ENCODING)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        transfers.append(Transfer(url, wire_bytes(response)))
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            for name in _IMPORT.findall(response.text):
                imported = _resolve(base, name)
                if imported not in seen:
                    seen.add(imported)
                    pending.append(imported)
    return transfers


def _resolve(base: str, relative: str) -> str:
    parts = base.split("/")
    for part in relative.split("/"):
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


WORDS = " ".join(
    [
        "steam curls from the cup green leaves unfold in silence autumn light rain kettle",
        "sings first sip tastes of amber morning quiet garden stone path wind bamboo moon",
        "river slow warm hands old friend letter waiting evening smoke roasted bitter sweet",
        "mountain mist porcelain bowl crack gold mended tea house shadow paper lantern moss",
    ]
).split(" ")


def answer(n: int, length: int = 600) -> str:
    """A model's answer of about `length` characters, different for every `n` (real answers
    differ from run to run, and identical ones would compress unrealistically well)."""
    pick = random.Random(n).choice  # text for a page, not a secret
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < length:
        words.append(pick(WORDS))
    return f"**Haiku {n}**\n\n" + " ".join(words)


async def seed(client: httpx.AsyncClient, fake: FakeProviderServer, history: int = HISTORY) -> int:
    """Sign `client` up with an OpenAI key and a prompt run `history` times; its id."""
    account = {"username": f"weigh-{secrets.token_hex(4)}", "password": secrets.token_urlsafe(16)}
    session = (await client.post("/api/v1/auth/register", json=account)).json()
    client.headers["X-CSRF-Token"] = session["csrfToken"]
    await client.put("/api/v1/keys/openai", json={"key": "sk-weigh-" + "x" * 32})
    body: dict[str, Any] = {
        "title": "A haiku about tea",
        "content": "Write a haiku about {{topic}}, in the voice of {{voice}}.",
        "model": "openai/gpt-4o-mini",
    }
    for n in range(history - 1):  # a library page with `history` prompts in it
        other = {**body, "title": f"Prompt {n}: a longer title, as people write them"}
        await client.post("/api/v1/prompts", json=other)
    prompt = (await client.post("/api/v1/prompts", json=body)).json()
    for n in range(history):
        fake.configure(text=answer(n))
        variables = {"topic": f"tea number {n}", "voice": "a patient gardener"}
        run = await client.post(
            f"/api/v1/prompts/{prompt['id']}/run", json={"variables": variables}
        )
        if run.status_code != 201:
            raise RuntimeError(f"run {n}: {run.status_code} {run.text}")
    return int(prompt["id"])


def pages(prompt_id: int) -> dict[str, str]:
    """The pages measured: name → path."""
    return {
        f"library ({HISTORY} prompts)": "/prompts",
        f"prompt ({HISTORY} responses)": f"/prompts/{prompt_id}",
    }


async def first_byte(client: httpx.AsyncClient, path: str) -> float:
    """Seconds from sending the request to the response's headers."""
    begun = time.perf_counter()
    async with client.stream("GET", path, headers=BROWSER) as response:
        elapsed = time.perf_counter() - begun
        await response.aread()
    return elapsed


async def bench(loads: int, identity: bool) -> None:
    if identity:  # what the same loads would weigh uncompressed
        BROWSER["Accept-Encoding"] = ENCODING["Accept-Encoding"] = "identity"
    with tempfile.TemporaryDirectory() as scratch, FakeProviderServer() as fake:
        port = free_port()
        env = {
            **os.environ,
            "PROMPTPRO_DATA_DIR": scratch,
            "PROMPTPRO_OPENAI_BASE_URL": fake.openai_base_url,
            "PROMPTPRO_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "promptpro", "serve", "--port", str(port)]
        with started(command, env, Path(scratch) / "server.log") as server:
            await wait_for_port(port, server, "promptpro serve")
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                prompt_id = await seed(client, fake)
                rows = []
                for name, path in pages(prompt_id).items():
                    transfers = await cold_load(client, path)
                    for _ in range(3):  # warm the server's caches before timing
                        await first_byte(client, path)
                    times = [await first_byte(client, path) for _ in range(loads)]
                    rows.append((name, path, transfers, times))
    print("| page | requests | page bytes | CSS+JS+icon bytes | total bytes | TTFB p50 / max ms |")
    print("|---|---|---|---|---|---|")
    for name, _path, transfers, times in rows:
        total = sum(t.wire_bytes for t in transfers)
        within = "≤" if total <= BUDGET_BYTES else ">"
        print(
            f"| {name} | {len(transfers)} | {transfers[0].wire_bytes:,} | "
            f"{total - transfers[0].wire_bytes:,} | **{total:,}** ({within} {BUDGET_BYTES:,}) | "
            f"{statistics.median(times) * 1000:.1f} / {max(times) * 1000:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20, help="timed loads of each page")
    parser.add_argument("--identity", action="store_true", help="ask for no compression")
    args = parser.parse_args()
    asyncio.run(bench(args.loads, args.identity))


if __name__ == "__main__":
    main()
