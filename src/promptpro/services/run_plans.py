"""Planning a run: everything it needs, read in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promptpro.db.types import utcnow
from promptpro.errors import Invalid, NeedsKey, NotFound
from promptpro.providers.base import Provider
from promptpro.providers.catalogue import Catalogue
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import ModelRef, parse_model_id
from promptpro.schemas.library import PromptParameters
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.endpoints import open_endpoint_key
from promptpro.services.templates import render
from promptpro.storage.run_records import EndpointRow, RunContext, RunRecords


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
    # An own endpoint's model: its prices per million tokens (input, output), when entered;
    # None: the catalogue's, if it knows the model.
    price_per_mtok: tuple[float, float] | None = None

    def cost_usd(
        self, catalogue: Catalogue, input_tokens: int | None, output_tokens: int | None
    ) -> float | None:
        """What the run cost: at its endpoint's prices, or the catalogue's; None if unknown."""
        if self.price_per_mtok is None:
            return catalogue.cost_usd(self.model, input_tokens, output_tokens)
        if input_tokens is None or output_tokens is None:
            return None
        prices = self.price_per_mtok
        return round((input_tokens * prices[0] + output_tokens * prices[1]) / 1_000_000, 10)


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


def _endpoint_price(endpoint: EndpointRow, model: str) -> tuple[float, float] | None:
    """The prices entered for one of the endpoint's models (None: no price, never $0)."""
    for entry in endpoint.models:
        if entry.get("name") == model:
            given = entry.get("input_usd_per_mtok"), entry.get("output_usd_per_mtok")
            if given[0] is not None and given[1] is not None:
                return float(given[0]), float(given[1])
    return None


async def _own_endpoint(
    records: RunRecords,
    vault: Vault,
    providers: ProviderRegistry,
    context: RunContext,
    owner_id: str,
    ref: ModelRef,
) -> tuple[Provider, str, tuple[float, float] | None]:
    """The adapter, key and prices of an own endpoint's model (`<endpoint-name>/<model>`)."""
    endpoint = await records.endpoint(owner_id, context.prompt_id, ref.provider)
    if endpoint is None:
        providers.get(ref.provider)  # raises: no such provider, naming the known ones
    assert endpoint is not None  # for the type checker: get() raised otherwise
    origin = providers.guard.check_url(endpoint.base_url, field="model").origin
    key = open_endpoint_key(vault, endpoint.id, origin, endpoint.key_ciphertext)
    provider = providers.endpoint(ref.provider, endpoint.base_url)
    return provider, key, _endpoint_price(endpoint, ref.name)


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
    rendered = render(content, variables, max_length=max_input_length)
    run_parameters = merged_parameters(saved, parameters)
    started_at = utcnow()
    plans = []
    for requested in models:
        model = requested or default_model
        if not model:
            raise Invalid("This prompt has no model: choose one to run it on.", field="model")
        ref = parse_model_id(model)
        price = None
        if ref.provider in providers:
            provider = providers.get(ref.provider)
            api_key = _api_key(context, vault, owner_id, ref.provider)
        else:
            provider, api_key, price = await _own_endpoint(
                records, vault, providers, context, owner_id, ref
            )
        plans.append(
            RunPlan(
                owner_id=owner_id,
                prompt_id=context.prompt_id,
                version_id=version_id,
                model=ref.id,
                provider=provider,
                api_key=api_key,
                rendered_input=rendered,
                parameters=run_parameters,
                variables=variables,
                started=started,
                started_at=started_at,
                compare_group_id=compare_group_id,
                price_per_mtok=price,
            )
        )
    return plans
