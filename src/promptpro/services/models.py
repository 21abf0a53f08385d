"""The models a user can pick from: the catalogue, marked by whether they have the key."""

from __future__ import annotations

from promptpro.providers.catalogue import Catalogue
from promptpro.schemas.models import CatalogueRead, ModelRead
from promptpro.services.keys import KeyService


async def catalogue_for(keys: KeyService, catalogue: Catalogue) -> CatalogueRead:
    """Every known model with prices, and whether the user has a key for its provider."""
    configured = {str(provider) for provider in await keys.configured_providers()}
    return CatalogueRead(
        as_of=catalogue.as_of,
        models=[
            ModelRead(
                id=model.id,
                provider=model.provider,
                name=model.name,
                display_name=model.display_name,
                context_window=model.context_window,
                input_usd_per_mtok=model.input_usd_per_mtok,
                output_usd_per_mtok=model.output_usd_per_mtok,
                note=model.note,
                has_key=model.provider in configured,
            )
            for model in catalogue.models()
        ],
    )
