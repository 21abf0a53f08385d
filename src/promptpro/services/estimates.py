"""What a run will cost, before it runs: its input tokens counted, its output bounded.

Input tokens come from the provider's own count endpoint where it has one (Anthropic's
`messages/count_tokens`, Gemini's `countTokens`; method `provider`), from OpenAI's
tokenizer for OpenAI models (o200k_base, shipped in the package; method `tokenizer`), and
otherwise from four characters a token (method `heuristic`). The output can't be known
before the answer: it is the run's `maxTokens` when set (the most it may cost), else
DEFAULT_OUTPUT_TOKENS.

Admitting a run against a budget (services/budgets.py) never calls a provider: it uses the
local counts only, so a refused run costs no request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from promptpro.errors import Invalid, KeyUnavailable, NotFound, ProviderError
from promptpro.providers.base import Provider
from promptpro.providers.catalogue import get_catalogue
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.tokenizer import count_chat_tokens, heuristic_tokens
from promptpro.providers.types import CompletionRequest, RunParameters
from promptpro.schemas.library import PromptParameters
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.run_plans import RunPlan, merged_parameters
from promptpro.services.templates import render, variables_in
from promptpro.storage.run_records import RunRecords

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_TOKENS = 500
TOKENIZED_PROVIDERS = frozenset({"openai"})  # whose tokenizer (o200k_base) we ship


@dataclass(frozen=True, slots=True)
class Estimate:
    """A run's expected tokens and cost (None: no price), and how the input was counted."""

    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    method: str  # provider | tokenizer | heuristic


def run_parameters(values: dict[str, Any]) -> RunParameters:
    """The merged parameters (snake_case dict) as a provider request's."""
    stop = values.get("stop")
    return RunParameters(
        temperature=values.get("temperature"),
        max_tokens=values.get("max_tokens"),
        top_p=values.get("top_p"),
        system=values.get("system"),
        stop=tuple(stop) if stop else None,
    )


def _texts(prompt: str, parameters: RunParameters) -> list[str]:
    return [parameters.system, prompt] if parameters.system else [prompt]


async def local_input_tokens(provider_id: str, texts: list[str]) -> tuple[int, str]:
    """Input tokens counted here: OpenAI's tokenizer for OpenAI, else characters / 4."""
    if provider_id in TOKENIZED_PROVIDERS:
        # In a thread: the first call loads the tokenizer (about a second), and a long
        # prompt takes a while to encode; the event loop serves others meanwhile.
        return await asyncio.to_thread(count_chat_tokens, texts), "tokenizer"
    return heuristic_tokens(texts), "heuristic"


def output_tokens(parameters: RunParameters) -> int:
    """The answer's tokens: at most `max_tokens`, else the default guess."""
    return parameters.max_tokens or DEFAULT_OUTPUT_TOKENS


async def local_estimate(plan: RunPlan) -> Estimate:
    """A planned run's estimate without calling any provider (what admission uses)."""
    parameters = run_parameters(plan.parameters)
    provider_id = plan.model.partition("/")[0]
    tokens, method = await local_input_tokens(provider_id, _texts(plan.rendered_input, parameters))
    out = output_tokens(parameters)
    return Estimate(tokens, out, get_catalogue().cost_usd(plan.model, tokens, out), method)


async def _provider_count(
    provider: Provider, request: CompletionRequest, api_key: str | None
) -> int | None:
    count = getattr(provider, "count_tokens", None)
    if count is None or api_key is None:
        return None
    try:
        counted: int | None = await count(request, api_key=api_key)
    except ProviderError as exc:  # an estimate falls back rather than fails
        log.info("token count on %s failed, estimating locally: %s", request.model, exc.kind)
        return None
    return counted


async def estimate_prompt(
    records: RunRecords,
    vault: Vault,
    providers: ProviderRegistry,
    *,
    owner_id: str,
    prompt_id: int,
    model: str | None,
    variables: dict[str, str],
    parameters: PromptParameters | None,
    max_input_length: int | None = None,
) -> Estimate:
    """The prompt's next run on `model` (default: its own), with these inputs.

    Variables not given count as empty: the page asks while the user is still typing.
    """
    context = await records.context(owner_id, prompt_id)
    if context is None:
        raise NotFound("No such prompt.")
    permissions.require_role(context.role, "prompt.run")  # whoever may run it
    filled = {name: "" for name in variables_in(context.content)} | variables
    rendered = render(context.content, filled, max_length=max_input_length)
    params = run_parameters(merged_parameters(context.parameters, parameters))
    chosen = model or context.model
    if not chosen:
        raise Invalid("This prompt has no model: choose one to estimate it on.", field="model")
    provider, ref = providers.resolve(chosen)
    request = CompletionRequest(ref.id, rendered, params)
    ciphertext = context.ciphertexts.get(ref.provider)
    api_key = None
    if ciphertext:
        # A key the vault can't open only costs the provider's count: estimate locally.
        with contextlib.suppress(KeyUnavailable):
            api_key = vault.decrypt(ciphertext, user_id=owner_id, provider=ref.provider)
    tokens = await _provider_count(provider, request, api_key)
    method = "provider"
    if tokens is None:
        tokens, method = await local_input_tokens(ref.provider, _texts(rendered, params))
    out = output_tokens(params)
    return Estimate(tokens, out, get_catalogue().cost_usd(ref.id, tokens, out), method)
