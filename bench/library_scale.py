"""A large library: the library page, the prompt list and search against 10^4-10^6 prompts.

    .venv/bin/python bench/library_scale.py [--sizes 10000,100000] [--responses 1000000]
        [--requests 400] [--clients 16] [--workers 1]
        [--database postgresql://postgres@127.0.0.1:5432/postgres]

For each size it creates a throwaway PostgreSQL database, migrates it, signs up one user
through the API and bulk-loads that user's library with COPY: `size` prompts (tagged,
some starred) and `--responses` responses spread over them (the search indexes and the
run-count trigger are dropped for the load and made again after it, as a restore would).
It then starts `promptpro serve` on core 0 and times, with `--clients` concurrent clients
on core 1 (closed loop: each sends its next request when the last one is answered), the
library page, the list API in each sort (first pages and pages deep in the keyset), a tag
filter, and search for a rare word and a common one. It prints a table per size and the
ratio of each median to the smallest size's. Every database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import asyncpg  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    free_port,
    percentile,
    pinned,
    scratch_database,
    started,
    wait_for_port,
)

WORDS = [f"w{n:04d}" for n in range(5000)]
RARE = "zanzibar"  # in one prompt in 10,000 and one response in 100,000
COMMON = "w0001"  # in about one text in 10
TAGS = ["work", "email", "code", "draft", "poem", "review", "sql", "ideas"]
STARTED = datetime(2026, 1, 1, tzinfo=UTC)

DROP_FOR_LOAD = [
    "DROP INDEX IF EXISTS ix_prompts_search",
    "DROP INDEX IF EXISTS ix_responses_search",
    "ALTER TABLE responses DISABLE TRIGGER responses_count_runs",
]
RESTORE_AFTER_LOAD = [
    "UPDATE prompts SET run_count = c.n FROM (SELECT prompt_id, count(*) AS n FROM responses"
    " GROUP BY prompt_id) c WHERE prompts.id = c.prompt_id",
    "ALTER TABLE responses ENABLE TRIGGER responses_count_runs",
    "CREATE INDEX ix_prompts_search ON prompts USING gin ("
    "(setweight(to_tsvector('simple'::regconfig, title), 'A'::\"char\")"
    " || setweight(to_tsvector('simple'::regconfig, content), 'B'::\"char\")))",
    "CREATE INDEX ix_responses_search ON responses USING gin ("
    "(to_tsvector('simple'::regconfig, content)))",
    "VACUUM ANALYZE",
]


def text(rng: random.Random, words: int, rare_every: int, index: int) -> str:
    """Some words; every `rare_every`-th text holds the rare word."""
    chosen = rng.choices(WORDS, k=words)
    if index % rare_every == 0:
        chosen[rng.randrange(words)] = RARE
    return " ".join(chosen)


async def load(database_url: str, user_id: str, prompts: int, responses: int) -> float:
    """Bulk-load the user's library with COPY; the seconds it took."""
    began = time.perf_counter()
    rng = random.Random(42)
    conn = await asyncpg.connect(database_url)
    try:
        for statement in DROP_FOR_LOAD:
            await conn.execute(statement)
        batch = 50_000
        for start in range(0, prompts, batch):
            rows = []
            for i in range(start, min(prompts, start + batch)):
                at = STARTED + timedelta(seconds=i)
                title = f"Prompt {i} {rng.choice(WORDS)}"
                content = text(rng, 30, 10_000, i)
                rows.append((user_id, title, content, "openai/gpt-4o-mini", at, at))
            await conn.copy_records_to_table(
                "prompts",
                records=rows,
                columns=["user_id", "title", "content", "model", "created_at", "updated_at"],
            )
        first_id = await conn.fetchval("SELECT min(id) FROM prompts WHERE user_id = $1", user_id)
        tag_rows = []
        for offset in range(prompts):
            for tag in rng.sample(TAGS, k=rng.randint(0, 3)):
                tag_rows.append((first_id + offset, tag))
        await conn.copy_records_to_table(
            "prompt_tags", records=tag_rows, columns=["prompt_id", "tag"]
        )
        starred = [(user_id, first_id + i) for i in range(0, prompts, 20)]
        await conn.copy_records_to_table(
            "favourites", records=starred, columns=["user_id", "prompt_id"]
        )
        for start in range(0, responses, batch):
            response_rows: list[tuple[Any, ...]] = []
            for i in range(start, min(responses, start + batch)):
                prompt_id = first_id + rng.randrange(prompts)
                at = STARTED + timedelta(seconds=i)
                content = text(rng, 40, 100_000, i + 1)
                response_rows.append(
                    (prompt_id, content, "openai/gpt-4o-mini", at, "completed", 0.5)
                )
            await conn.copy_records_to_table(
                "responses",
                records=response_rows,
                columns=[
                    "prompt_id",
                    "content",
                    "model",
                    "created_at",
                    "status",
                    "generation_time",
                ],
            )
        for statement in RESTORE_AFTER_LOAD:
            await conn.execute(statement)
    finally:
        await conn.close()
    return time.perf_counter() - began


# The library's statements as storage/prompts.py and storage/search.py write them (the
# columns trimmed), for EXPLAIN ANALYZE: the database's own time, apart from HTTP and Python.
EXPLAINED = {
    "list, updated": "SELECT id FROM prompts WHERE user_id = $1"
    " ORDER BY updated_at DESC, id DESC LIMIT 51",
    "list, updated, deep": "SELECT id FROM prompts WHERE user_id = $1"
    " AND (updated_at, id) < ($2::timestamptz + interval '1 second', 2147483647)"
    " ORDER BY updated_at DESC, id DESC LIMIT 51",
    "list, title": "SELECT id FROM prompts WHERE user_id = $1 ORDER BY lower(title), id LIMIT 51",
    "list, most run": "SELECT id FROM prompts WHERE user_id = $1"
    " ORDER BY run_count DESC, id DESC LIMIT 51",
    "list, tag=work&tag=code": "SELECT id FROM prompts WHERE user_id = $1"
    " AND EXISTS (SELECT 1 FROM prompt_tags t WHERE t.prompt_id = prompts.id AND t.tag = 'work')"
    " AND EXISTS (SELECT 1 FROM prompt_tags t WHERE t.prompt_id = prompts.id AND t.tag = 'code')"
    " ORDER BY updated_at DESC, id DESC LIMIT 51",
    "search prompts, rare": "SELECT p.id, ts_rank((setweight(to_tsvector('simple'::regconfig,"
    " p.title), 'A'::\"char\") || setweight(to_tsvector('simple'::regconfig, p.content),"
    " 'B'::\"char\")), q) AS rank FROM prompts p, plainto_tsquery('simple'::regconfig,"
    f" '{RARE}') q WHERE p.user_id = $1 AND (setweight(to_tsvector('simple'::regconfig,"
    " p.title), 'A'::\"char\") || setweight(to_tsvector('simple'::regconfig, p.content),"
    " 'B'::\"char\")) @@ q ORDER BY rank DESC, id DESC LIMIT 21",
    "search responses, rare": "SELECT r.id, ts_rank(to_tsvector('simple'::regconfig,"
    " r.content), q) AS rank FROM responses r, plainto_tsquery('simple'::regconfig,"
    f" '{RARE}') q WHERE to_tsvector('simple'::regconfig, r.content) @@ q"
    " AND (SELECT p.user_id FROM prompts p WHERE p.id = r.prompt_id) = $1"
    " ORDER BY rank DESC, id DESC LIMIT 21",
}


async def explain(database_url: str, user_id: str) -> dict[str, tuple[float, str]]:
    """Each statement's execution time (ms, best of 5) and the index its plan starts from."""
    conn = await asyncpg.connect(database_url)
    found = {}
    try:
        for name, sql in EXPLAINED.items():
            args = [user_id] + ([STARTED + timedelta(days=3650)] if "$2" in sql else [])
            best, index = float("inf"), ""
            for _ in range(5):
                plan = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
                top = json.loads(plan)[0]
                best = min(best, top["Execution Time"])
                index = ",".join(sorted(set(_indexes(top["Plan"])))) or "(no index)"
            found[name] = (best, index)
    finally:
        await conn.close()
    return found


def _indexes(node: dict[str, Any]) -> list[str]:
    names = [node["Index Name"]] if "Index Name" in node else []
    for child in node.get("Plans", []):
        names += _indexes(child)
    return names


async def sign_up(http: aiohttp.ClientSession) -> tuple[str, dict[str, str]]:
    """A user (signed in on `http`'s cookie jar); their id and bearer header."""
    account = {"username": f"bench-{secrets.token_hex(4)}", "password": secrets.token_urlsafe(16)}
    async with http.post("/api/v1/auth/register", json=account) as resp:
        body = await resp.json()
        if resp.status >= 300:
            raise SystemExit(f"register: {resp.status} {body}")
    csrf = {"X-CSRF-Token": body["csrfToken"]}
    async with http.post("/api/v1/tokens", json={"name": "bench"}, headers=csrf) as resp:
        token = (await resp.json())["token"]
    return body["user"]["id"], {"Authorization": f"Bearer {token}"}


async def deep_cursor(http: aiohttp.ClientSession, bearer: dict[str, str], query: str) -> str:
    """A cursor 20 pages of 100 into a listing (keyset paging must not slow down there)."""
    cursor = ""
    for _ in range(20):
        url = f"/api/v1/prompts?{query}&limit=100" + (f"&cursor={cursor}" if cursor else "")
        async with http.get(url, headers=bearer) as resp:
            following = (await resp.json())["nextCursor"]
        if following is None:  # a small library: as deep as it goes
            break
        cursor = following
    return quote(cursor)


async def timed(
    http: aiohttp.ClientSession,
    url: Callable[[int], str],
    headers: dict[str, str],
    clients: int,
    requests: int,
) -> list[float]:
    """Latencies (seconds) of `requests` GETs from `clients` concurrent closed-loop clients."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def client() -> None:
        for n in counter:
            began = time.perf_counter()
            async with http.get(url(n), headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    raise SystemExit(f"{url(n)}: {resp.status}")
            latencies.append(time.perf_counter() - began)

    # Warm up (connections, plans, caches) before timing.
    for n in range(min(50, requests)):
        async with http.get(url(n), headers=headers) as resp:
            await resp.read()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def measure(
    app_url: str, size: int, responses: int, args: argparse.Namespace, database_url: str
) -> tuple[list[list[str]], dict[str, float]]:
    jar = aiohttp.CookieJar(unsafe=True)
    connector = aiohttp.TCPConnector(limit=args.clients)
    async with aiohttp.ClientSession(base_url=app_url, cookie_jar=jar, connector=connector) as http:
        user_id, bearer = await sign_up(http)
        seconds = await load(database_url, user_id, size, responses)
        print(
            f"{size:,} prompts, {responses:,} responses loaded in {seconds:.0f} s", file=sys.stderr
        )
        for name, (ms, index) in (await explain(database_url, user_id)).items():
            print(f"SQL | {size:,} | {name} | {ms:.3f} ms | {index}", file=sys.stderr)
        deep = {
            sort: await deep_cursor(http, bearer, f"sort={sort}") for sort in ("updated", "title")
        }
        scenarios: list[tuple[str, Callable[[int], str], dict[str, str]]] = [
            ("library page (HTML)", lambda n: "/prompts", {}),
            ("list, updated", lambda n: "/api/v1/prompts?limit=50", bearer),
            (
                "list, updated, page 21",
                lambda n: f"/api/v1/prompts?limit=50&cursor={deep['updated']}",
                bearer,
            ),
            ("list, created", lambda n: "/api/v1/prompts?limit=50&sort=created", bearer),
            ("list, title", lambda n: "/api/v1/prompts?limit=50&sort=title", bearer),
            (
                "list, title, page 21",
                lambda n: f"/api/v1/prompts?limit=50&sort=title&cursor={deep['title']}",
                bearer,
            ),
            ("list, most run", lambda n: "/api/v1/prompts?limit=50&sort=runs", bearer),
            (
                "list, tag=work&tag=code",
                lambda n: "/api/v1/prompts?limit=50&tag=work&tag=code",
                bearer,
            ),
            ("list, favourites", lambda n: "/api/v1/prompts?limit=50&favourite=true", bearer),
            (f"search '{RARE}' (rare)", lambda n: f"/api/v1/search?q={RARE}", bearer),
            ("search two words", lambda n: f"/api/v1/search?q={COMMON}+{WORDS[n % 5000]}", bearer),
        ]
        rows, medians = [], {}
        for name, url, headers in scenarios:
            latencies = await timed(http, url, headers, args.clients, args.requests)
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            medians[name] = p50
            rows.append([f"{size:,}", name, f"{p50:.2f}", f"{p99:.2f}", str(len(latencies))])
            print(" | ".join(rows[-1]), file=sys.stderr)
    return rows, medians


async def bench(args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    server_core, client_core = (0, 1) if cores >= 2 and not args.no_pin else (None, None)
    if client_core is not None:
        os.sched_setaffinity(0, {client_core})
    promptpro = str(Path(sys.executable).with_name("promptpro"))
    all_rows: list[list[str]] = []
    all_medians: dict[int, dict[str, float]] = {}
    for size in args.sizes:
        async with scratch_database(args.database) as database_url:
            with tempfile.TemporaryDirectory(prefix="promptpro-bench-") as tmp:
                port = free_port()
                env = {
                    **os.environ,
                    "PROMPTPRO_DATA_DIR": tmp,
                    "PROMPTPRO_DATABASE_URL": database_url,
                    "PROMPTPRO_LOG_LEVEL": "WARNING",
                }
                command = [promptpro, "serve", "--port", str(port), "--migrate"]
                command += ["--workers", str(args.workers)]
                with started(pinned(command, server_core), env, Path(tmp, "serve.log")) as server:
                    await wait_for_port(port, server, "promptpro serve")
                    rows, medians = await measure(
                        f"http://127.0.0.1:{port}", size, args.responses, args, database_url
                    )
        all_rows += rows
        all_medians[size] = medians
    smallest = all_medians[min(all_medians)]
    print(f"\n{cores} cores; {args.clients} clients; {args.workers} worker(s)")
    print("| prompts | request | p50 ms | p99 ms | requests | p50 / smallest size's |")
    print("|---|---|---|---|---|---|")
    for size_text, name, p50, p99, count in all_rows:
        size = int(size_text.replace(",", ""))
        ratio = all_medians[size][name] / smallest[name]
        print(f"| {size_text} | {name} | {p50} | {p99} | {count} | {ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[10_000, 100_000],
        help="library sizes (prompts), comma-separated; 1000000 takes several minutes to load",
    )
    parser.add_argument("--responses", type=int, default=1_000_000, help="responses per library")
    parser.add_argument("--requests", type=int, default=400, help="timed requests per scenario")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to cores")
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "PROMPTPRO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="the PostgreSQL server to make throwaway databases on",
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
