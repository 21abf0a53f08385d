"""A prompt's shipping page: its name, labels (promote, roll back), each label's history,
change requests (ask, approve, reject) and how an application uses it ("Use in code")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import Conflict, Forbidden, Invalid, NotFound
from promptpro.schemas.labels import ChangeRequestCreate, LabelSet
from promptpro.schemas.library import PromptUpdate
from promptpro.services import permissions
from promptpro.services.change_requests import ChangeRequestService
from promptpro.services.labels import protected_labels
from promptpro.services.prompts import PromptService
from promptpro.services.templates import variables_in
from promptpro.storage import Storage
from promptpro.web.errors import RolledBack
from promptpro.web.forms import FormInvalid, optional, read_form, text, validate
from promptpro.web.pages.common import PageAuth, page, see_other

router = APIRouter()

REFUSED = (FormInvalid, Invalid, Conflict, Forbidden, NotFound)


def _message(exc: Exception) -> str:
    if isinstance(exc, FormInvalid):
        return " ".join(str(message) for message in exc.errors.values())
    return str(exc)


async def _context(storage: Storage, user_id: str, prompt_id: int) -> dict[str, Any]:
    """Everything the page shows, read before any write (see RolledBack)."""
    service = ChangeRequestService(storage, user_id)
    found = await service.find(prompt_id)
    prompt = await PromptService(storage, user_id).get_prompt(prompt_id)
    labels = await service.list_labels(prompt_id)
    histories = {
        row.label: await service.history(prompt_id, row.label)
        for row in labels
        if row.label != "latest"
    }
    versions = await PromptService(storage, user_id).list_versions(prompt_id)
    return {
        "prompt": prompt,
        "labels": labels,
        "histories": histories,
        "versions": versions,
        "version_options": [
            (v.version, f"v{v.version}" + (f" — {v.message}" if v.message else ""))
            for v in versions
        ],
        "variables": variables_in(prompt.content),
        "requests": await service.list_for_prompt(prompt_id, None),
        "protected": protected_labels(found.workspace),
        "may_move": permissions.role_allows(found.role, "labels.move"),
        "may_move_protected": permissions.role_allows(found.role, "labels.move.protected"),
        "may_decide": permissions.role_allows(found.role, "change_requests.decide"),
        "personal": found.workspace.personal_user_id == user_id,
        "workspace_id": found.workspace.id,
    }


def _render(
    request: Request, auth: PageAuth, context: dict[str, Any], *, error: str = "", status: int = 200
) -> Response:
    return page(
        request,
        "prompts/labels.html",
        auth,
        status_code=status,
        error=error,
        public_url=request.app.state.settings.public_url or "",
        **context,
    )


@router.get("/prompts/{prompt_id:int}/labels")
async def labels_page(
    request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The prompt's labels, their history, change requests and "Use in code"."""
    return _render(request, auth, await _context(storage, auth.user.id, prompt_id))


async def _attempt(
    request: Request, auth: PageAuth, storage: Storage, prompt_id: int, action: Any, done: str
) -> Response:
    context = await _context(storage, auth.user.id, prompt_id)
    try:
        await action()
    except REFUSED as exc:
        status = 403 if isinstance(exc, Forbidden) else 409 if isinstance(exc, Conflict) else 422
        if isinstance(exc, NotFound):
            status = 404
        raise RolledBack(
            _render(request, auth, context, error=_message(exc), status=status)
        ) from None
    return see_other(f"/prompts/{prompt_id}/labels?done={done}")


@router.post("/prompts/{prompt_id:int}/labels/move")
async def move_label(
    request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Promote a version to a label, or roll a label back."""
    form = await read_form(request)
    service = ChangeRequestService(storage, auth.user.id)

    async def move() -> None:
        data = validate(
            LabelSet, {"version": text(form, "version"), "note": optional(text(form, "note"))}
        )
        await service.set_label(prompt_id, text(form, "label").strip(), data)

    return await _attempt(request, auth, storage, prompt_id, move, "label-moved")


@router.post("/prompts/{prompt_id:int}/change-requests")
async def ask_for_change(
    request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Ask an admin to move a protected label."""
    form = await read_form(request)
    service = ChangeRequestService(storage, auth.user.id)

    async def ask() -> None:
        data = validate(
            ChangeRequestCreate,
            {
                "label": text(form, "label").strip(),
                "version": text(form, "version"),
                "note": optional(text(form, "note")),
            },
        )
        await service.create(prompt_id, data)

    return await _attempt(request, auth, storage, prompt_id, ask, "change-requested")


@router.post("/change-requests/{request_id:int}/{decision}")
async def decide(
    request: Request, request_id: int, decision: str, storage: StorageDep, auth: PageAuth
) -> Response:
    """Approve or reject a change request (workspace admins and owners)."""
    if decision not in ("approve", "reject"):
        raise NotFound("No such page.")
    service = ChangeRequestService(storage, auth.user.id)
    found = await storage.get_change_request(auth.user.id, request_id)
    if found is None:
        raise NotFound("No such change request.")
    form = await read_form(request)

    async def act() -> None:
        if decision == "approve":
            await service.approve(request_id)
        else:
            reason = text(form, "reason").strip()
            if not reason:
                raise Invalid("Say why you reject it.", field="reason")
            await service.reject(request_id, reason[:500])

    done = "change-approved" if decision == "approve" else "change-rejected"
    return await _attempt(request, auth, storage, found.prompt_id, act, done)


@router.post("/prompts/{prompt_id:int}/rename")
async def rename(request: Request, prompt_id: int, storage: StorageDep, auth: PageAuth) -> Response:
    """Rename a prompt; when applications fetched it by name, only once confirmed."""
    form = await read_form(request)
    service = PromptService(storage, auth.user.id)
    prompt = await service.get_prompt(prompt_id)

    async def do_rename() -> None:
        if prompt.last_fetched_at is not None and text(form, "confirm") != "yes":
            raise Invalid(
                "Applications fetched this prompt by name: tick the box to confirm that"
                " renaming it will break them until they use the new name.",
                field="confirm",
            )
        data = validate(PromptUpdate, {"name": text(form, "name").strip()})
        await service.update_prompt(prompt_id, data)

    return await _attempt(request, auth, storage, prompt_id, do_rename, "renamed")
