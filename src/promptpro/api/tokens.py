"""Personal access tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from promptpro.api.problems import problem_responses
from promptpro.deps import CurrentUser, StorageDep, TokenCacheDep
from promptpro.schemas.auth import TokenCreate, TokenCreated, TokenRead
from promptpro.services import tokens

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.get(
    "",
    response_model=list[TokenRead],
    summary="Your personal access tokens (never their secrets)",
    responses=problem_responses(401),
)
async def list_tokens(user: CurrentUser, storage: StorageDep) -> list[TokenRead]:
    """The user's tokens, newest first."""
    return [TokenRead.model_validate(token) for token in await tokens.list_tokens(storage, user)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    summary="Create a token; its secret is in this response and nowhere else",
    responses=problem_responses(401, 403, 413, 422),
)
async def create_token(body: TokenCreate, user: CurrentUser, storage: StorageDep) -> TokenCreated:
    """A new token, with its `pp_...` secret shown this once."""
    created = await tokens.create_token(storage, user, body)
    return TokenCreated.model_validate(
        {**TokenRead.model_validate(created.token).model_dump(), "token": created.secret}
    )


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a token",
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_token(
    token_id: int, user: CurrentUser, storage: StorageDep, cache: TokenCacheDep
) -> Response:
    """Delete the token: requests bearing it are refused from now on (by every worker)."""
    await tokens.revoke_token(storage, cache, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
