"""A client for applications that use saved prompts: `PromptPro(url, token).get_prompt(name)`.

It talks to a PromptPro server over the public API, like any other program, and imports
nothing of the server (an import-linter contract checks it): only the standard library
and httpx.
"""

from promptpro.client.prompts import (
    MissingVariable,
    Prompt,
    PromptNotAvailable,
    PromptPro,
)

__all__ = ["MissingVariable", "Prompt", "PromptNotAvailable", "PromptPro"]
