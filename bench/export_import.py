"""Export and import of a large library: 10,000 prompts with 5 versions each.

Writes a promptpro-export document of that size (streamed to a file), then, each in a
process of its own so that its peak memory is its own: imports it into an empty workspace
on a fresh SQLite database (`import`), then exports that workspace back to a file
(`export`). Prints wall time and peak RSS growth (peak minus the process's RSS just before
the work) for each, as a table.

    .venv/bin/python -m bench.export_import [--prompts 10000] [--versions 5] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from promptpro.db.engine import create_engine
from promptpro.db.session import create_session_factory, unit_of_work

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def write_document(path: Path, prompts: int, versions: int) -> None:
    """A document of `prompts` prompts with `versions` versions each, written as it goes."""
    with path.open("w") as out:
        out.write('{"format":"promptpro-export","version":1,"categories":[{"name":"Bench"}],')
        out.write('"prompts":[')
        for n in range(prompts):
            doc = {
                "name": f"folder-{n % 100}/prompt-{n}",
                "category": "Bench",
                "tags": ["bench", f"t{n % 10}"],
                "versions": [
                    {
                        "version": v,
                        "title": f"Prompt {n}",
                        "type": "text",
                        "content": f"Version {v} of prompt {n}: summarise {{{{text}}}} " * 4,
                        "model": "openai/gpt-4o-mini",
                        "parameters": {"temperature": 0.2},
                    }
                    for v in range(1, versions + 1)
                ],
                "labels": {"production": versions - 1},
            }
            out.write(("," if n else "") + json.dumps(doc))
        out.write('],"testSets":[]}')


async def setup(url: str) -> int:
    from promptpro.db.migrate import upgrade
    from promptpro.schemas.users import UserCreate
    from promptpro.storage import Storage

    await upgrade(url)
    engine = create_engine(url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            user = await Storage(session).create_user(UserCreate(username="bench"))
            user_id = user.id
    finally:
        await engine.dispose()
    print(user_id)
    return 0


async def do_import(url: str, user_id: str, path: Path) -> None:
    from promptpro.services.portability.import_ import Importer, ImportOptions
    from promptpro.services.portability.promptpro_format import read_document
    from promptpro.storage import Storage

    engine = create_engine(url)
    try:
        async with unit_of_work(create_session_factory(engine)) as session:
            storage = Storage(session)
            workspace_id = await storage.personal_workspace_id(user_id)
            found = await storage.get_membership(user_id, workspace_id)
            assert found is not None
            with path.open("rb") as file:
                report = await Importer(storage, user_id, found[0], found[1], ImportOptions()).run(
                    read_document(file)
                )
        print(f"created {report.counts.created}", file=sys.stderr)
    finally:
        await engine.dispose()


async def do_export(url: str, user_id: str, path: Path) -> None:
    from promptpro.services.portability.export import export_scope
    from promptpro.services.portability.promptpro_format import document_chunks
    from promptpro.storage import Storage

    engine = create_engine(url)
    factory = create_session_factory(engine)
    try:
        async with unit_of_work(factory) as session:
            storage = Storage(session)
            workspace_id = await storage.personal_workspace_id(user_id)
            scope = await export_scope(storage, user_id, workspace_id)
        with path.open("w") as out:
            async for chunk in document_chunks(factory, scope):
                out.write(chunk)
    finally:
        await engine.dispose()


def phase(argv: list[str]) -> None:
    """One measured phase, in this process: prints `seconds peak_growth_bytes`."""
    name, url, user_id, path = argv
    # Load the modules first: their import is not the work measured.
    import promptpro.services.portability.import_
    import promptpro.services.portability.promptpro_format  # noqa: F401

    work = do_import if name == "import" else do_export
    before = rss_bytes()
    started = time.perf_counter()
    asyncio.run(work(url, user_id, Path(path)))
    print(f"{time.perf_counter() - started:.2f} {peak_bytes() - before}")


def run(args: list[str]) -> str:
    command = [sys.executable, "-m", "bench.export_import", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase(sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        asyncio.run(setup(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        document = folder / "library.json"
        write_document(document, args.prompts, args.versions)
        url = args.database or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        user_id = run(["--setup", url]).splitlines()[-1]
        rows: list[tuple[str, float, float]] = []
        for name, path in (("import", document), ("export", folder / "out.json")):
            measured = run(["--phase", name, url, user_id, str(path)]).split()[-2:]
            rows.append((name, float(measured[0]), int(measured[1]) / 2**20))
        size = document.stat().st_size / 2**20
    database = url.split(":")[0]
    print(f"{args.prompts} prompts x {args.versions} versions ({size:.0f} MB), {database}")
    print(f"{'phase':<8} {'wall s':>8} {'peak RSS growth MB':>20}")
    for name, seconds, growth in rows:
        print(f"{name:<8} {seconds:>8.2f} {growth:>20.1f}")


if __name__ == "__main__":
    main()
