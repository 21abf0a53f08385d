"""Provider keys: list (hints only), set and remove the signed-in user's key per provider.

An unknown provider in the path is a 422 naming the four known ones: the provider is a
value from a closed set (an enum in the OpenAPI document), and the storage layer treats
an unknown provider as invalid input the same way.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from promptpro.api.problems import problem_responses
from promptpro.deps import KeyServiceDep, ProvidersDep
from promptpro.schemas.endpoints import KeyCheck
from promptpro.schemas.keys import KeyProvider, KeyRead, KeyUpdate
from promptpro.services.key_checks import verify_key

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.get(
    "",
    response_model=list[KeyRead],
    summary="Your provider keys: whether each is set and a hint, never the key",
    responses=problem_responses(401),
)
async def list_keys(keys: KeyServiceDep) -> list[KeyRead]:
    """One entry per provider (openai, anthropic, gemini, xai)."""
    return await keys.list_keys()


@router.put(
    "/{provider}",
    response_model=KeyRead,
    summary="Set (or replace) your key for one provider",
    responses=problem_responses(401, 403, 422),
)
async def set_key(provider: KeyProvider, body: KeyUpdate, keys: KeyServiceDep) -> KeyRead:
    """Store the key encrypted; the answer shows only its hint."""
    return await keys.set_key(provider, body.key.get_secret_value())


@router.delete(
    "/{provider}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove your key for one provider",
    responses=problem_responses(401, 403, 422),
)
async def remove_key(provider: KeyProvider, keys: KeyServiceDep) -> Response:
    """Forget the key; removing one that isn't set also answers 204 (DELETE is idempotent)."""
    await keys.remove_key(provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{provider}/verify",
    response_model=KeyCheck,
    summary="Test your key for one provider (lists its models)",
    responses=problem_responses(401, 403, 422),
)
async def verify_provider_key(
    provider: KeyProvider, keys: KeyServiceDep, providers: ProvidersDep
) -> KeyCheck:
    """`valid`, `refused` (with the provider's reason) or `unreachable`; never the key."""
    return await verify_key(keys, providers, provider)
