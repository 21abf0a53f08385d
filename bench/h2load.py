"""Load from h2load (nghttp2's load generator, written in C) instead of Python clients.

The Python generator in bench/fetch_by_name.py spends ~230 µs of CPU a fetch, as much as
the server: on a 2-core machine its own pauses show up in the server's p99. h2load costs
a few µs a request, so what it measures is the server. `apt-get install nghttp2-client`.

Closed loop: `clients` connections, each sending its next request when the last is
answered. Open load (`rate` > 0): each connection sends `rate / clients` requests a
second on a timer (`--rps`). Latency is h2load's per-request time, read from its
`--log-file` (start time, status, µs until the end of the response).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.harness import percentile, pinned


def available() -> bool:
    """Whether h2load is installed."""
    return shutil.which("h2load") is not None


def load(
    url: str,
    headers: dict[str, str],
    clients: int,
    requests: int,
    *,
    rate: float = 0,
    expected: int = 200,
    core: int | None = None,
) -> dict[str, float]:
    """`requests` requests from `clients` connections: the rate, p50 and p99 in ms."""
    command = ["h2load", "--h1", "-c", str(clients), "-n", str(requests)]
    if rate > 0:
        command += ["--rps", f"{rate / clients:.3f}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="h2load-") as tmp:
        log = Path(tmp, "requests.tsv")
        # A warm-up round opens the server's code paths and caches first.
        warm = [*command[:5], str(min(requests, clients * 20)), *command[6:], url]
        subprocess.run(pinned(warm, core), check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            pinned([*command, f"--log-file={log}", url], core), check=True, capture_output=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        starts: list[float] = []
        ends: list[float] = []
        latencies: list[float] = []
        for line in log.read_text().splitlines():
            start_us, status, duration_us = line.split("\t")
            if int(status) != expected:
                raise SystemExit(f"h2load: a request answered {status}, not {expected}")
            starts.append(int(start_us) / 1e6)
            ends.append((int(start_us) + int(duration_us)) / 1e6)
            latencies.append(int(duration_us) / 1e6)
    if len(latencies) != requests:
        raise SystemExit(f"h2load: {len(latencies)} of {requests} requests were answered")
    return {
        "rate": len(latencies) / (max(ends) - min(starts)),
        "client_cpu": (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        / requests,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }
