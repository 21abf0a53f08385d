"""A client for applications that use saved prompts: `PromptPro(url, token).get_prompt(name)`,
and `Api`, the public API as the command line's remote commands use it.

It talks to a PromptPro server over the public API, like any other program, and imports
nothing of the server (an import-linter contract checks it): only the standard library,
httpx and platformdirs.
"""

from promptpro.client.api import Api, ApiError, RunEvent, ServerUnreachable
from promptpro.client.prompts import (
    MissingVariable,
    Prompt,
    PromptNotAvailable,
    PromptPro,
)

__all__ = [
    "Api",
    "ApiError",
    "MissingVariable",
    "Prompt",
    "PromptNotAvailable",
    "PromptPro",
    "RunEvent",
    "ServerUnreachable",
]
