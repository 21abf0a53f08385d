"""Settings for access: provider keys (only hints shown) and personal access tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import ProvidersDep, StorageDep, TokenCacheDep, VaultDep
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.auth import TokenCreate, TokenRead
from promptpro.schemas.endpoints import KeyCheck
from promptpro.schemas.keys import KeyProvider, KeyRead, KeyUpdate
from promptpro.services import tokens
from promptpro.services.key_checks import verify_key
from promptpro.services.keys import KeyService
from promptpro.services.workspaces import WorkspaceService
from promptpro.storage import Storage
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    text,
    validate,
)
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import FormOnceDep, PageAuth, PageUser, page, see_other

router = APIRouter()

EXPIRY_CHOICES = [("", "Never"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days")]
EXPIRY_CHOICES += [("365", "1 year")]


def _provider(raw: str) -> KeyProvider:
    try:
        return KeyProvider(raw)
    except ValueError:
        raise NotFound("No such provider.") from None


def _keys_page(
    request: Request,
    auth: PageUser,
    keys: list[KeyRead],
    *,
    status_code: int = 200,
    editing: str | None = None,
    errors: FieldErrors | None = None,
    checked: tuple[str, KeyCheck] | None = None,
) -> Response:
    return page(
        request,
        "settings/keys.html",
        auth,
        status_code=status_code,
        keys=keys,
        editing=editing,
        errors=errors or {},
        checked=checked,
    )


@router.get("/settings/keys")
async def keys_page(
    request: Request, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Each provider: whether a key is stored, and its hint."""
    keys = await KeyService(storage, vault, auth.user.id).list_keys()
    return _keys_page(request, auth, keys)


@router.post("/settings/keys/{provider}")
async def set_key(
    request: Request, provider: str, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Store or replace one provider's key (the field is never filled in again)."""
    chosen = _provider(provider)
    form = await read_form(request)
    service = KeyService(storage, vault, auth.user.id)
    keys = await service.list_keys()  # read before the write: see RolledBack
    try:
        data = validate(KeyUpdate, {"key": text(form, "key")})
        await service.set_key(chosen, data.key.get_secret_value())
    except (FormInvalid, Invalid) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = _keys_page(request, auth, keys, status_code=422, editing=chosen, errors=errors)
        raise RolledBack(response) from None
    return see_other("/settings/keys?done=key-saved")


@router.post("/settings/keys/{provider}/verify")
async def test_key(
    request: Request,
    provider: str,
    storage: StorageDep,
    vault: VaultDep,
    providers: ProvidersDep,
    auth: PageAuth,
) -> Response:
    """Test the stored key with the provider's model list; the answer shows beside it."""
    chosen = _provider(provider)
    service = KeyService(storage, vault, auth.user.id)
    checked = await verify_key(service, providers, chosen)
    return _keys_page(request, auth, await service.list_keys(), checked=(chosen, checked))


@router.post("/settings/keys/{provider}/delete")
async def remove_key(
    provider: str, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Forget one provider's key."""
    await KeyService(storage, vault, auth.user.id).remove_key(_provider(provider))
    return see_other("/settings/keys?done=key-removed")


def _tokens_page(
    request: Request,
    auth: PageUser,
    listed: list[TokenRead],
    *,
    status_code: int = 200,
    created: dict[str, str] | None = None,
    kept: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    form_token: str = "",
    workspaces: list[tuple[str, str]] | None = None,
) -> Response:
    return page(
        request,
        "settings/tokens.html",
        auth,
        status_code=status_code,
        tokens=listed,
        created=created,
        values=kept or {},
        errors=errors or {},
        expiry_choices=EXPIRY_CHOICES,
        workspace_choices=[("", "All my workspaces"), *(workspaces or [])],
        workspace_names=dict(workspaces or []),
        form_token=form_token or new_form_token(),
        headers={"Cache-Control": "no-store"},
    )


async def _tokens(storage: Storage, auth: PageUser) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in await tokens.list_tokens(storage, auth.user)]


async def _workspaces(storage: Storage, auth: PageUser) -> list[tuple[str, str]]:
    """(id, name) of the user's workspaces: what a token may be limited to."""
    listed = await WorkspaceService(storage, auth.user).list_workspaces()
    return [(str(w.id), w.name + (" (personal)" if w.personal else "")) for w in listed]


@router.get("/settings/tokens")
async def tokens_page(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The user's personal access tokens (never their secrets)."""
    workspaces = await _workspaces(storage, auth)
    return _tokens_page(request, auth, await _tokens(storage, auth), workspaces=workspaces)


@router.post("/settings/tokens")
async def create_token(
    request: Request, storage: StorageDep, auth: PageAuth, once: FormOnceDep
) -> Response:
    """Create a token and show its secret, this once (the page is not stored or cached)."""
    form = await read_form(request)
    kept = {
        "name": text(form, "name"),
        "expiresInDays": text(form, "expiresInDays"),
        "workspaceId": text(form, "workspaceId"),
        "readOnly": "on" if text(form, "readOnly") == "on" else "",
    }
    token = text(form, FORM_TOKEN_FIELD)
    listed = await _tokens(storage, auth)  # read before the write: see RolledBack
    workspaces = await _workspaces(storage, auth)
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = validate(
                TokenCreate,
                {
                    "name": kept["name"],
                    "expiresInDays": optional(kept["expiresInDays"]),
                    "workspaceId": optional(kept["workspaceId"]),
                    "readOnly": kept["readOnly"] == "on",
                },
            )
            made = await tokens.create_token(storage, auth.user, data)
        except (FormInvalid, Invalid) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = _tokens_page(
                request,
                auth,
                listed,
                status_code=422,
                kept=kept,
                errors=errors,
                form_token=token,
                workspaces=workspaces,
            )
            raise RolledBack(response) from None
        claim.done_url = "/settings/tokens?done=token-again"
    created = {"name": made.token.name, "secret": made.secret}
    return _tokens_page(
        request, auth, await _tokens(storage, auth), created=created, workspaces=workspaces
    )


@router.post("/settings/tokens/{token_id:int}/revoke")
async def revoke_token(
    token_id: int, storage: StorageDep, cache: TokenCacheDep, auth: PageAuth
) -> Response:
    """Revoke a token (another user's, or none: 404, never "revoked")."""
    await tokens.revoke_token(storage, cache, auth.user, token_id)
    return see_other("/settings/tokens?done=token-revoked")
