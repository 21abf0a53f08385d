"""Planning a run: everything it needs, read in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promptpro.db.types import utcnow
from promptpro.errors import Invalid, NeedsKey, NotFound
from promptpro.providers.base import Provider
from promptpro.providers.registry import ProviderRegistry
from promptpro.schemas.library import PromptParameters
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.templates import render, resolve_snippets
from promptpro.storage.run_records import RunContext, RunRecords


@dataclass(frozen=True)
class RunPlan:
    """One model's run, ready to execute: nothing left to read from the database."""

    owner_id: str
    prompt_id: int
    version_id: int | None
    model: str
    provider: Provider
    api_key: str = field(repr=False)
    rendered_input: str
    parameters: dict[str, Any]
    variables: dict[str, str]
    started: float
    started_at: datetime
    # The compare run this is one column of (None: a single run); its record carries it.
    compare_group_id: int | None = None
    # The prompts it included with `{{> name}}`: (name, version).
    snippets: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class VersionSource:
    """A saved version to run instead of the prompt as it is now.

    A re-run plans from one (the wording of the version that produced the response, and
    the exact parameters it ran with); so does a compare of versions (each version's own
    wording, model and parameters).
    """

    version_id: int
    content: str
    parameters: dict[str, Any] | None
    model: str | None = None


def merged_parameters(
    saved: dict[str, Any] | None, override: PromptParameters | None
) -> dict[str, Any]:
    """The prompt's parameters with the run's overrides on top (snake_case, no Nones)."""
    merged = dict(saved or {})
    if override is not None:
        merged.update(override.model_dump(exclude_none=True))
    return merged


def _api_key(context: RunContext, vault: Vault, owner_id: str, provider_id: str) -> str:
    ciphertext = context.ciphertexts.get(provider_id)
    if ciphertext is None:
        raise NeedsKey(
            f"No {provider_id} key is stored for your account: add one in Settings, "
            f"or with PUT /api/v1/keys/{provider_id}.",
            provider=provider_id,
        )
    return vault.decrypt(ciphertext, user_id=owner_id, provider=provider_id)


async def plan_runs(
    records: RunRecords,
    vault: Vault,
    providers: ProviderRegistry,
    *,
    owner_id: str,
    prompt_id: int,
    models: list[str | None],
    parameters: PromptParameters | None,
    variables: dict[str, str],
    started: float,
    max_input_length: int | None = None,
    version: VersionSource | None = None,
    compare_group_id: int | None = None,
) -> list[RunPlan]:
    """Plan the prompt's run on each model (None: the prompt's own model).

    With a `version`, its wording, parameters (and model, when it has one) are run instead
    of the prompt's current ones (`parameters` then still override them).
    """
    context = await records.context(owner_id, prompt_id)
    if context is None:
        raise NotFound("No such prompt.")
    permissions.require_role(context.role, "prompt.run")
    content, version_id, saved = context.content, context.version_id, context.parameters
    default_model = context.model
    if version is not None:
        content, version_id, saved = version.content, version.version_id, version.parameters
        default_model = version.model or context.model
    used: list[tuple[str, int]] = []
    if "{{>" in content:  # most prompts include nothing: no reads
        owner_prompt = context.prompt_id

        async def load(name: str, selector: str | None) -> tuple[int, str] | None:
            if selector is not None and not (selector[:1] == "v" and selector[1:].isdigit()):
                selector = f"@{selector}"
            return await records.snippet(owner_id, owner_prompt, name, selector)

        content, used = await resolve_snippets(content, load, root=context.name)
    rendered = render(content, variables, max_length=max_input_length)
    run_parameters = merged_parameters(saved, parameters)
    started_at = utcnow()
    plans = []
    for requested in models:
        model = requested or default_model
        if not model:
            raise Invalid("This prompt has no model: choose one to run it on.", field="model")
        provider, ref = providers.resolve(model)
        plans.append(
            RunPlan(
                owner_id=owner_id,
                prompt_id=context.prompt_id,
                version_id=version_id,
                model=ref.id,
                provider=provider,
                api_key=_api_key(context, vault, owner_id, ref.provider),
                rendered_input=rendered,
                parameters=run_parameters,
                variables=variables,
                started=started,
                started_at=started_at,
                compare_group_id=compare_group_id,
                snippets=tuple(used),
            )
        )
    return plans
