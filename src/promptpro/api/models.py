"""The model catalogue: what can be run, at what price, and with which of your keys."""

from __future__ import annotations

from fastapi import APIRouter

from promptpro.api.problems import problem_responses
from promptpro.deps import KeyServiceDep
from promptpro.providers.catalogue import get_catalogue
from promptpro.schemas.models import CatalogueRead
from promptpro.services.models import catalogue_for

router = APIRouter(prefix="/api/v1/models", tags=["models"])


@router.get(
    "",
    response_model=CatalogueRead,
    summary="Known models with context window and prices, and whether you have a key for each",
    responses=problem_responses(401),
)
async def list_models(keys: KeyServiceDep) -> CatalogueRead:
    """The dated catalogue; models not in it can still be run as `provider/name`."""
    return await catalogue_for(keys, get_catalogue())
