"""A new Python process, for what only a fresh interpreter shows: which modules a command
loads before it answers."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_modules(prelude: str, prefixes: tuple[str, ...]) -> tuple[str, list[str]]:
    """What a new Python process running `prelude` printed, and which of the modules it had
    loaded by then start with one of `prefixes`."""
    script = (
        f"{prelude}\n"
        "import json, sys\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({prefixes!r}))\n"
        "print('\\nLOADED', json.dumps(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    output, _, loaded = done.stdout.rpartition("\nLOADED ")
    names: list[str] = json.loads(loaded)
    return output, names
