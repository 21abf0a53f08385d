"""Test helpers shipped with the package, so the benchmark can use them too.

`FakeProviderServer` is imported on first use, which keeps
`python -m promptpro.testing.fake_providers` (the server as its own process) clean.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptpro.testing.fake_providers import FakeProviderServer, RecordedRequest, Script

__all__ = ["FakeProviderServer", "RecordedRequest", "Script"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.fake_providers"), name)
    globals()[name] = value
    return value
