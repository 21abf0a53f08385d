"""The peer: `promptfoo eval` on the same matrix against the same fake provider.

promptfoo is installed with npm into a directory outside the repository (nothing of it is
committed), at the first use:

    npm install --prefix ~/.cache/promptfoo-bench promptfoo

The same matrix: one prompt ("Say hi to {{n}}."), one OpenAI provider (`openai:chat:
gpt-4o-mini`, its `apiBaseUrl` the fake's), `cells` test cases, the same two assertions
(`contains "Hello"`, `latency` 5000 ms), `-j concurrency`, its cache off, nothing written
to its results database (`--no-write`; its config directory a temporary one).

Wall time is promptfoo's own measure of the eval (`stats.durationMs` in its JSON output),
as ours is from the POST to the last cell, leaving out the process's start (node loading
promptfoo and the config). CPU is the process's and its children's (wait4's rusage), less
that of the same eval on one test case (its start), over the cells.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.evaluation_workers import peak_rss_mb

VERSION = "0.121.20"  # the version measured in docs/PERFORMANCE.md


def installed(directory: Path) -> Path:
    """promptfoo's command in `directory`, installed there with npm if it is missing."""
    command = directory / "node_modules" / ".bin" / "promptfoo"
    if not command.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("--promptfoo needs node and npm")
        print(f"installing promptfoo@{VERSION} into {directory} (npm)", file=sys.stderr)
        directory.mkdir(parents=True, exist_ok=True)
        install = [npm, "install", "--prefix", str(directory), "--no-audit", "--no-fund"]
        subprocess.run([*install, f"promptfoo@{VERSION}"], check=True)
    return command


def config(cells: int, port: int) -> dict[str, object]:
    """The promptfoo config of the bench's matrix (JSON is YAML)."""
    return {
        "description": "PromptPro evaluation bench",
        "prompts": ["Say hi to {{n}}."],
        "providers": [
            {
                "id": "openai:chat:gpt-4o-mini",
                "config": {
                    "apiBaseUrl": f"http://127.0.0.1:{port}/v1",
                    "apiKey": "sk-bench-" + "x" * 32,
                },
            }
        ],
        "defaultTest": {
            "assert": [
                {"type": "contains", "value": "Hello"},
                {"type": "latency", "threshold": 5000},
            ]
        },
        "tests": [{"vars": {"n": str(i)}} for i in range(cells)],
    }


def _run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds of the command (the children it waited for included), and its
    peak RSS in MB."""
    start = time.perf_counter()
    with (cwd / "eval.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
        peak_mb = 0.0
        while True:  # its own peak (VmHWM): a child's ru_maxrss counts the forked parent's
            peak_mb = max(peak_mb, peak_rss_mb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 100):  # 100: some test failed, counted below
        output = (cwd / "eval.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"promptfoo eval failed ({process.returncode}):\n{output}")
    return wall, usage.ru_utime + usage.ru_stime, peak_mb


def promptfoo(cells: int, concurrency: int, port: int, directory: Path) -> dict[str, float]:
    """Run the peer on `cells` test cases, and on one (its start); the measurement."""
    command = installed(directory)
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        env = {
            **os.environ,
            "PROMPTFOO_CONFIG_DIR": str(root / "home"),
            "PROMPTFOO_DISABLE_TELEMETRY": "1",
            "PROMPTFOO_DISABLE_UPDATE": "1",
            "PROMPTFOO_CACHE_ENABLED": "false",
            "NODE_NO_WARNINGS": "1",
        }
        base = [str(command), "eval", "-j", str(concurrency), "--no-cache", "--no-write"]
        base += ["--no-table", "--no-progress-bar", "-o", str(root / "out.json")]
        (root / "one.yaml").write_text(json.dumps(config(1, port)))
        (root / "all.yaml").write_text(json.dumps(config(cells, port)))
        start_wall, start_cpu, _ = _run([*base, "-c", "one.yaml"], env, root)
        wall, cpu, peak_mb = _run([*base, "-c", "all.yaml"], env, root)
        results = json.loads((root / "out.json").read_text())
    stats = results["results"]["stats"]
    return {
        "passed": float(stats["successes"]),
        "wall_s": stats["durationMs"] / 1000,
        "cpu_ms_per_cell": (cpu - start_cpu) / cells * 1000,
        "peak_rss_mb": peak_mb,
        "process_wall_s": wall,
        "start_wall_s": start_wall,
        "start_cpu_s": start_cpu,
    }
