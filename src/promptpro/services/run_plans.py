"""Planning a run: everything it needs, read in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from promptpro.db.models import PromptVersion
from promptpro.db.types import utcnow
from promptpro.errors import Invalid, NeedsKey, NotFound
from promptpro.providers.base import Provider
from promptpro.providers.catalogue import Catalogue, get_catalogue
from promptpro.providers.registry import ProviderRegistry
from promptpro.providers.types import ModelRef, Usage, parse_model_id
from promptpro.schemas.chat import readable_messages
from promptpro.schemas.library import PromptParameters
from promptpro.security.vault import Vault
from promptpro.services import permissions
from promptpro.services.endpoints import open_endpoint_key
from promptpro.services.images import ImageData
from promptpro.services.templates import (
    PLACEHOLDER,
    image_label,
    readable_parts,
    render,
    render_messages,
    render_parts,
    resolve_snippets,
)
from promptpro.storage.run_records import EndpointRow, RunContext, RunRecords

KEY_SOURCE_WORKSPACE = "workspace"
KEY_SOURCE_PERSONAL = "personal"


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
    # Text values, and images as their recorded references ({image, mediaType, sha256}).
    variables: dict[str, Any]
    started: float
    started_at: datetime
    # Whose key pays: "workspace" (the prompt's workspace's own) or "personal" (the runner's).
    key_source: str = "personal"
    # The compare run this is one column of (None: a single run); its record carries it.
    compare_group_id: int | None = None
    # The budgets this run counts against (services/budgets.py): the runner's and the
    # prompt's workspace's monthly USD, None where none is set.
    workspace_id: int = 0
    user_budget_usd: float | None = None
    workspace_budget_usd: float | None = None
    # A chat prompt's rendered messages, or a continued conversation (None: a text prompt's
    # first turn); each {role, content} with toolCalls / toolCallId / name where they apply.
    messages: list[dict[str, Any]] | None = None
    output_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    # The response whose tool calls this run answers.
    previous_response_id: int | None = None
    # An own endpoint's model: its prices per million tokens (input, output), when entered;
    # None: the catalogue's, if it knows the model.
    price_per_mtok: tuple[float, float] | None = None

    def cost_usd(self, catalogue: Catalogue, usage: Usage) -> tuple[float | None, str | None]:
        """What the run cost, and what priced it (the catalogue's date, or "endpoint"):
        at its endpoint's prices, or the catalogue's per-kind ones; (None, None) if unknown."""
        if self.price_per_mtok is None:
            cost = catalogue.usage_cost(self.model, usage)
            return cost, catalogue.as_of.isoformat() if cost is not None else None
        if usage.input_tokens is None or usage.output_tokens is None:
            return None, None
        prices = self.price_per_mtok
        total = (usage.input_tokens * prices[0] + usage.output_tokens * prices[1]) / 1_000_000
        return round(total, 10), "endpoint"

    # The prompts it included with `{{> name}}`: (name, version).
    snippets: tuple[tuple[str, int], ...] = ()
    # The images that `messages`' parts name, by upload id (bytes: never recorded, never
    # logged). A turn with images has `parts` (services/templates.render_parts).
    images: dict[str, ImageData] = field(default_factory=dict, repr=False)
    # Its estimated cost, set when a budget applies (services/budgets.py): held against
    # those budgets while it runs, so that runs in flight count before they are recorded.
    estimate_usd: float = 0.0

    def budget_scopes(self) -> tuple[tuple[str, str], ...]:
        """The budgets it counts against: ("user", id) and ("workspace", id) where set."""
        scopes: list[tuple[str, str]] = []
        if self.user_budget_usd is not None:
            scopes.append(("user", self.owner_id))
        if self.workspace_budget_usd is not None:
            scopes.append(("workspace", str(self.workspace_id)))
        return tuple(scopes)


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
    type: str = "text"
    messages: list[dict[str, Any]] | None = None
    output_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None


def version_source(
    version: PromptVersion, parameters: dict[str, Any] | None, *, with_model: bool = True
) -> VersionSource:
    """A saved version to run: its wording and shape (type, messages, schema, tools)."""
    return VersionSource(
        version_id=version.id,
        content=version.content,
        parameters=parameters,
        model=version.model if with_model else None,
        type=version.type,
        messages=version.messages,
        output_schema=version.output_schema,
        tools=version.tools,
    )


@dataclass(frozen=True)
class Continuation:
    """A conversation to send instead of the prompt's first turn: the turns so far (the
    model's tool calls and their results last), and the response it continues."""

    messages: list[dict[str, Any]]
    previous_response_id: int


@dataclass(frozen=True)
class Appended:
    """What an OpenAI-compatible call brings to a prompt (services/openai_compat.py): its
    messages go after the prompt's (a text prompt's wording is then the first user turn);
    its schema and tools, when given, replace the prompt's."""

    messages: list[dict[str, Any]]
    output_schema: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None


def merged_parameters(
    saved: dict[str, Any] | None, override: PromptParameters | None
) -> dict[str, Any]:
    """The prompt's parameters with the run's overrides on top (snake_case, no Nones)."""
    merged = dict(saved or {})
    if override is not None:
        merged.update(override.model_dump(exclude_none=True))
    return merged


def _api_key(context: RunContext, vault: Vault, owner_id: str, provider_id: str) -> tuple[str, str]:
    """The key to call the provider with, and whose it is: the workspace's own key for that
    provider if it has one, else the runner's."""
    shared = context.workspace_ciphertexts.get(provider_id)
    if shared is not None:
        key = vault.decrypt(shared, workspace_id=context.workspace_id, provider=provider_id)
        return key, KEY_SOURCE_WORKSPACE
    ciphertext = context.ciphertexts.get(provider_id)
    if ciphertext is None:
        raise NeedsKey(
            f"No {provider_id} key is stored for your account: add one in Settings, "
            f"or with PUT /api/v1/keys/{provider_id}.",
            provider=provider_id,
        )
    return vault.decrypt(ciphertext, user_id=owner_id, provider=provider_id), KEY_SOURCE_PERSONAL


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
) -> tuple[Provider, str, tuple[float, float] | None, str]:
    """The adapter, key, prices and key source of an own endpoint's model
    (`<endpoint-name>/<model>`): the runner's personal endpoint pays as "personal", a
    workspace's endpoint as "workspace"."""
    endpoint = await records.endpoint(owner_id, context.prompt_id, ref.provider)
    if endpoint is None:
        providers.get(ref.provider)  # raises: no such provider, naming the known ones
    assert endpoint is not None  # for the type checker: get() raised otherwise
    origin = providers.guard.check_url(endpoint.base_url, field="model").origin
    key = open_endpoint_key(vault, endpoint.id, origin, endpoint.key_ciphertext)
    provider = providers.endpoint(ref.provider, endpoint.base_url)
    source = KEY_SOURCE_PERSONAL if endpoint.personal else KEY_SOURCE_WORKSPACE
    return provider, key, _endpoint_price(endpoint, ref.name), source


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
    images: dict[str, ImageData] | None = None,
    version: VersionSource | None = None,
    compare_group_id: int | None = None,
    continuation: Continuation | None = None,
    appended: Appended | None = None,
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
    shape: VersionSource = VersionSource(
        0,
        content,
        saved,
        None,
        context.type,
        context.messages,
        context.output_schema,
        context.tools,
    )
    if version is not None:
        content, version_id, saved = version.content, version.version_id, version.parameters
        default_model = version.model or context.model
        shape = version
    used: list[tuple[str, int]] = []
    owner_prompt = context.prompt_id

    async def load(name: str, selector: str | None) -> tuple[int, str] | None:
        if selector is not None and not (selector[:1] == "v" and selector[1:].isdigit()):
            selector = f"@{selector}"
        return await records.snippet(owner_id, owner_prompt, name, selector)

    async def include(text: str) -> str:
        """The text with its `{{> name}}` snippets resolved, noting the versions used."""
        if "{{>" not in text:  # most prompts include nothing: no reads
            return text
        text, found = await resolve_snippets(text, load, root=context.name)
        used.extend(item for item in found if item not in used)
        return text

    images = images or {}
    image_ids = {name: image.upload_id for name, image in images.items()}
    messages: list[dict[str, Any]] | None = None
    if continuation is not None:
        messages = continuation.messages
        rendered = readable_messages(messages)
    elif shape.type == "chat" and shape.messages:
        included = [
            {**message, "content": await include(str(message["content"]))}
            for message in shape.messages
        ]
        if image_ids:
            messages = image_messages(included, variables, image_ids, max_input_length)
        else:
            messages = render_messages(included, variables, max_length=max_input_length)
        rendered = readable_messages(messages)
    elif image_ids:
        # A text prompt with images is one user turn of parts, recorded as a conversation
        # (so that a continuation sends the images again).
        parts = render_parts(
            await include(content), variables, image_ids, max_length=max_input_length
        )
        rendered = readable_parts(parts)
        messages = [{"role": "user", "content": rendered, "parts": parts}]
    else:
        rendered = render(await include(content), variables, max_length=max_input_length)
    output_schema, tools = shape.output_schema, shape.tools
    if appended is not None:
        first = messages if messages is not None else []
        if messages is None and rendered.strip():
            first = [{"role": "user", "content": rendered}]
        messages = first + appended.messages
        rendered = readable_messages(messages)
        output_schema = appended.output_schema or output_schema
        tools = appended.tools if appended.tools is not None else tools
    recorded: dict[str, Any] = {
        **variables,
        **{name: image.reference() for name, image in images.items()},
    }
    run_parameters = merged_parameters(saved, parameters)
    started_at = utcnow()
    plans = []
    for requested in models:
        model = requested or default_model
        if not model:
            raise Invalid("This prompt has no model: choose one to run it on.", field="model")
        ref = parse_model_id(model)
        if images:
            require_vision(ref)
        price = None
        if ref.provider in providers:
            provider = providers.get(ref.provider)
            api_key, key_source = _api_key(context, vault, owner_id, ref.provider)
        else:
            provider, api_key, price, key_source = await _own_endpoint(
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
                key_source=key_source,
                rendered_input=rendered,
                parameters=run_parameters,
                variables=recorded,
                started=started,
                started_at=started_at,
                compare_group_id=compare_group_id,
                workspace_id=context.workspace_id,
                user_budget_usd=context.user_budget_usd,
                workspace_budget_usd=context.workspace_budget_usd,
                messages=messages,
                output_schema=output_schema,
                tools=tools,
                previous_response_id=(
                    continuation.previous_response_id if continuation is not None else None
                ),
                price_per_mtok=price,
                snippets=tuple(used),
                images={image.upload_id: image for image in images.values()},
            )
        )
    return plans


def require_vision(ref: ModelRef) -> None:
    """Refuse (422 on `model`) a model the catalogue does not say takes images: checked
    when the run is planned, so no provider is called."""
    info = get_catalogue().lookup(ref.id)
    if info is None or not info.takes_images:
        raise Invalid(
            f"{ref.id} does not take images (the model catalogue says which models do): "
            "choose a model that does, or run without the image.",
            field="model",
        )


def image_messages(
    messages: list[dict[str, Any]],
    variables: dict[str, str],
    images: dict[str, str],
    max_length: int | None,
) -> list[dict[str, Any]]:
    """A chat prompt's messages rendered, an image variable's message as parts.

    An image may only be in a user message (no provider takes one in a system turn, and an
    assistant's turn is the model's own words); elsewhere it is Invalid on `messages`.
    """
    labels = {name: image_label(name) for name in images}
    readable = render_messages(messages, {**variables, **labels}, max_length=max_length)
    rendered: list[dict[str, Any]] = []
    for template, message in zip(messages, readable, strict=True):
        text = str(template["content"])
        named = [m.group(1) for m in PLACEHOLDER.finditer(text) if m.group(1) in images]
        if not named:
            rendered.append(message)
            continue
        if message["role"] != "user":
            raise Invalid(
                f"The image variable {{{{{named[0]}}}}} is in a {message['role']} message: "
                "images may only be in user messages.",
                field="messages",
            )
        rendered.append({**message, "parts": render_parts(text, variables, images)})
    return rendered
