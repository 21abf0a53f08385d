"""The model picker's choices: the catalogue grouped by provider, marked by key."""

from __future__ import annotations

from dataclasses import dataclass, field

from promptpro.providers.catalogue import get_catalogue
from promptpro.schemas.endpoints import EndpointRead
from promptpro.schemas.keys import KeyProvider

PROVIDER_LABELS: dict[str, str] = {
    KeyProvider.OPENAI.value: "OpenAI",
    KeyProvider.ANTHROPIC.value: "Anthropic",
    KeyProvider.GEMINI.value: "Google Gemini",
    KeyProvider.XAI.value: "xAI",
}


@dataclass(frozen=True)
class ModelOption:
    """One model in the picker."""

    id: str
    label: str


@dataclass(frozen=True)
class ModelGroup:
    """One provider's models; `has_key` says whether the user can run them."""

    provider: str
    label: str
    has_key: bool
    options: list[ModelOption] = field(default_factory=list)


def provider_label(provider: str) -> str:
    """A provider's name as people know it."""
    return PROVIDER_LABELS.get(provider, provider)


def model_name(model_id: str | None) -> str:
    """A model's display name from the catalogue, or its id when the catalogue lacks it."""
    if not model_id:
        return "No model"
    known = get_catalogue().lookup(model_id)
    return known.display_name if known else model_id


def model_groups(
    configured: set[str],
    *,
    include: list[str | None] | None = None,
    endpoints: list[EndpointRead] | None = None,
) -> list[ModelGroup]:
    """The catalogue by provider (those with a key first), then each own endpoint's models
    (`<name>/<model>`; runnable, a key being optional), plus the `include`d model ids."""
    catalogue = get_catalogue()
    groups: dict[str, ModelGroup] = {}
    for provider in KeyProvider:
        groups[provider] = ModelGroup(provider, provider_label(provider), provider in configured)
    for model in catalogue.models():
        group = groups.get(model.provider)
        if group is not None:
            group.options.append(ModelOption(model.id, model.display_name))
    for endpoint in endpoints or []:
        group = groups.setdefault(
            endpoint.name.lower(),
            ModelGroup(endpoint.name, f"{endpoint.name} (own endpoint)", True),
        )
        for endpoint_model in endpoint.models:
            own_id = f"{endpoint.name}/{endpoint_model.name}"
            if all(option.id != own_id for option in group.options):
                group.options.append(ModelOption(own_id, endpoint_model.name))
    for model_id in include or []:
        group = groups.get((model_id or "").partition("/")[0].lower())
        if model_id and group and all(o.id != model_id for o in group.options):
            group.options.append(ModelOption(model_id, model_id))
    ordered = sorted(groups.values(), key=lambda group: not group.has_key)
    return [group for group in ordered if group.options]
