"""The prompt editor: write a new prompt, change one (a new version), delete one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from promptpro.deps import StorageDep, VaultDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.library import PromptCreate, PromptRead, PromptUpdate
from promptpro.services.prompts import NO_SUCH_PROMPT, PromptService
from promptpro.services.templates import variables_in
from promptpro.services.workspaces import require_for_prompt, target_workspace
from promptpro.web.errors import RolledBack
from promptpro.web.forms import FormInvalid, domain_errors, read_form, text, validate, values
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.chat_fields import (
    ROLES,
    chat_data,
    chat_errors,
    chat_values,
    kept_chat,
    shown_messages,
)
from promptpro.web.pages.common import (
    FormOnceDep,
    PageAuth,
    categories_of,
    form_workspace,
    model_choices,
    page,
    see_other,
    workspace_errors,
)
from promptpro.web.pages.drafts import draft_context

router = APIRouter()

NUMBER_PARAMETERS = ("temperature", "maxTokens", "topP")
FIELDS: tuple[str, ...] = ("title", "content", "categoryId", "model", "modelOther", "tags")
FIELDS += ("parameters.system",)
FIELDS += tuple(f"parameters.{name}" for name in (*NUMBER_PARAMETERS, "stop"))
ESCAPES = {"\\n": "\n", "\\t": "\t", "\\\\": "\\"}


def decode_stop(line: str) -> str:
    """A stop sequence as typed on one line: `\\n` is a line break, `\\t` a tab."""
    out, i = [], 0
    while i < len(line):
        pair = line[i : i + 2]
        if pair in ESCAPES:
            out.append(ESCAPES[pair])
            i += 2
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def encode_stop(stop: str) -> str:
    """A stop sequence written on one line (the inverse of decode_stop)."""
    return stop.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def parameters_data(kept: dict[str, str]) -> dict[str, Any] | None:
    """The `parameters` object of the posted fields (None when all were left empty)."""
    parameters: dict[str, Any] = {}
    for name in NUMBER_PARAMETERS:
        raw = kept.get(f"parameters.{name}", "").strip()
        if raw:
            parameters[name] = raw
    system = kept.get("parameters.system", "")
    if system.strip():
        parameters["system"] = system
    stops = [decode_stop(line) for line in kept.get("parameters.stop", "").splitlines() if line]
    if stops:
        parameters["stop"] = stops
    return parameters or None


def prompt_data(kept: dict[str, str]) -> dict[str, Any]:
    """The API body the posted editor form stands for."""
    model = kept["modelOther"].strip() or kept["model"]
    chat = chat_data(kept)
    return {
        "title": kept["title"],
        **({} if chat["type"] == "chat" else {"content": kept["content"]}),
        **chat,
        "categoryId": kept["categoryId"] or None,
        "model": model or None,
        "parameters": parameters_data(kept),
        "tags": [tag for tag in kept.get("tags", "").split(",") if tag.strip()],
    }


def form_values(prompt: PromptRead | None) -> dict[str, str]:
    """The editor's fields for a saved prompt (or a new, empty one)."""
    kept = dict.fromkeys(FIELDS, "")
    kept.update(chat_values(prompt))
    if prompt is None:
        return kept
    parameters = prompt.parameters
    kept.update(
        title=prompt.title,
        content=prompt.content,
        categoryId=str(prompt.category_id or ""),
        model=prompt.model or "",
        tags=", ".join(prompt.tags),
    )
    if parameters is not None:
        for name, value in (
            ("temperature", parameters.temperature),
            ("maxTokens", parameters.max_tokens),
            ("topP", parameters.top_p),
        ):
            kept[f"parameters.{name}"] = "" if value is None else str(value)
        kept["parameters.system"] = parameters.system or ""
        kept["parameters.stop"] = "\n".join(encode_stop(s) for s in parameters.stop or [])
    return kept


async def _choices(
    storage: StorageDep,
    vault: VaultDep,
    auth: PageAuth,
    kept: dict[str, str],
    workspace_id: int | None = None,
) -> dict[str, Any]:
    """What the editor's pickers offer (read before any write: see `RolledBack`): the
    categories of the prompt's workspace (a new one's: the current workspace)."""
    return {
        "categories": await categories_of(storage, auth, workspace_id),
        "model_groups": await model_choices(
            storage, vault, auth, include=[kept.get("model") or None], workspace_id=workspace_id
        ),
    }


def _editor(
    request: Request,
    auth: PageAuth,
    choices: dict[str, Any],
    *,
    prompt: PromptRead | None,
    kept: dict[str, str],
    errors: dict[str, str],
    form_token: str = "",
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "prompts/editor.html",
        auth,
        status_code=status_code,
        prompt=prompt,
        values=kept,
        errors=chat_errors(errors),
        form_token=form_token or new_form_token(),
        variables=variables_in(kept.get("content", "")),
        chat_messages=shown_messages(kept),
        roles=ROLES,
        **choices,
    )


def _kept(form: FormData) -> dict[str, str]:
    return {**values(form, *FIELDS), **kept_chat(form)}


@router.get("/prompts/new")
async def new_prompt(
    request: Request, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """An empty editor (a category chosen already when coming from one); a viewer of the
    current workspace gets the 403 page naming the role needed, not a form that fails."""
    await target_workspace(storage, auth.user.id, auth.workspace.id)
    kept = form_values(None)
    category = request.query_params.get("category", "")
    kept["categoryId"] = category if category.isdigit() else ""
    choices = await _choices(storage, vault, auth, kept)
    return _editor(request, auth, choices, prompt=None, kept=kept, errors={})


@router.post("/prompts/new")
async def create_prompt(
    request: Request, storage: StorageDep, vault: VaultDep, auth: PageAuth, once: FormOnceDep
) -> Response:
    """Save a new prompt as version 1; a second submit of the same form creates nothing."""
    form = await read_form(request)
    kept = _kept(form)
    token = text(form, FORM_TOKEN_FIELD)
    choices = await _choices(storage, vault, auth, kept)
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            body = {**prompt_data(kept), "workspaceId": form_workspace(form, auth)}
            data = validate(PromptCreate, body)
            created = await PromptService(storage, auth.user.id).create_prompt(data)
        except (FormInvalid, Invalid, Conflict) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = _editor(
                request,
                auth,
                choices,
                prompt=None,
                kept=kept,
                errors=workspace_errors(_model_field(errors, kept)),
                form_token=token,
                status_code=422,
            )
            raise RolledBack(response) from None
        claim.done_url = f"/prompts/{created.id}?done=created"
    return see_other(claim.done_url)


@router.get("/prompts/{prompt_id:int}/edit")
async def edit_prompt(
    request: Request, prompt_id: int, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """The editor with the prompt as it is now (the 403 page for a viewer)."""
    await require_for_prompt(
        storage, auth.user.id, prompt_id, "library.write", missing=NO_SUCH_PROMPT
    )
    prompt = await PromptService(storage, auth.user.id).get_prompt(prompt_id)
    kept = form_values(prompt)
    choices = await _choices(storage, vault, auth, kept, prompt.workspace_id)
    max_bytes = request.app.state.settings.draft_max_bytes
    choices.update(await draft_context(storage, auth.user.id, prompt_id, kept, max_bytes))
    return _editor(request, auth, choices, prompt=prompt, kept=kept, errors={})


@router.post("/prompts/{prompt_id:int}/edit")
async def save_prompt(
    request: Request, prompt_id: int, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """Save the changes (a new version when the wording, model or parameters changed)."""
    service = PromptService(storage, auth.user.id)
    prompt = await service.get_prompt(prompt_id)
    form = await read_form(request)
    kept = _kept(form)
    choices = await _choices(storage, vault, auth, kept, prompt.workspace_id)
    try:
        data = validate(PromptUpdate, prompt_data(kept))
        await service.update_prompt(prompt_id, data)
    except (FormInvalid, Invalid, Conflict) as exc:
        errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
        response = _editor(
            request,
            auth,
            choices,
            prompt=prompt,
            kept=kept,
            errors=_model_field(errors, kept),
            status_code=422,
        )
        raise RolledBack(response) from None
    return see_other(f"/prompts/{prompt_id}?done=saved")


@router.post("/prompts/{prompt_id:int}/delete")
async def delete_prompt(prompt_id: int, storage: StorageDep, auth: PageAuth) -> Response:
    """Delete the prompt with its versions and responses (another user's, or none: 404)."""
    # Not found is a 404 page, never "deleted": the prompt may be someone else's, and
    # nothing was deleted. (A second click can't happen: the page disables the button.)
    await PromptService(storage, auth.user.id).delete_prompt(prompt_id)
    return see_other("/prompts?done=prompt-deleted")


def _model_field(errors: dict[str, str], kept: dict[str, str]) -> dict[str, str]:
    """A model error belongs next to the field the model came from."""
    if "model" in errors and kept["modelOther"].strip():
        errors = {**errors, "modelOther": errors["model"]}
        del errors["model"]
    return errors
