"""Test set pages: the list in a workspace, one set's rows and assertions, and "Add to
test set" from a response. Rows, imports and assertions are edited in the page through the
JSON API (js/test_set.js); creating and deleting a set are plain forms."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep, VaultDep
from promptpro.errors import Conflict, Invalid
from promptpro.schemas.assertions import ASSERTION_TYPES
from promptpro.schemas.test_sets import RowFromResponse, TestSetCreate, TestSetRead
from promptpro.services.test_sets import TestSetService
from promptpro.web.errors import RolledBack
from promptpro.web.forms import (
    FieldErrors,
    FormInvalid,
    domain_errors,
    optional,
    read_form,
    text,
    validate,
    values,
)
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import FormOnceDep, PageAuth, page, see_other
from promptpro.web.pages.evaluation_start import evaluation_sections

router = APIRouter()

# The rows a set's page shows (the export has them all).
ROWS_SHOWN = 500


def _service(request: Request, storage: StorageDep, auth: PageAuth) -> TestSetService:
    settings = request.app.state.settings
    return TestSetService(
        storage,
        auth.user.id,
        max_rows=settings.test_set_max_rows,
        max_bytes=settings.test_set_import_max_bytes,
    )


def _workspace_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 2**31 else None


def _list_page(
    request: Request,
    auth: PageAuth,
    listed: list[TestSetRead],
    workspace_id: int | None,
    *,
    new_values: dict[str, str] | None = None,
    new_errors: FieldErrors | None = None,
    form_token: str = "",
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "test_sets/list.html",
        auth,
        status_code=status_code,
        test_sets=listed,
        workspace_id=workspace_id,
        new_values=new_values or {},
        new_errors=new_errors or {},
        form_token=form_token or new_form_token(),
    )


@router.get("/test-sets")
async def test_sets(request: Request, storage: StorageDep, auth: PageAuth) -> Response:
    """The test sets of a workspace (`?workspace=ID`; the personal one by default)."""
    workspace_id = _workspace_id(request.query_params.get("workspace"))
    listed = await _service(request, storage, auth).list_test_sets(workspace_id)
    return _list_page(request, auth, listed, workspace_id)


@router.post("/test-sets")
async def create_test_set(
    request: Request, storage: StorageDep, auth: PageAuth, once: FormOnceDep
) -> Response:
    """Create a test set (once, however often the form is sent) and open it."""
    form = await read_form(request)
    kept = values(form, "name", "description", "workspace")
    token = text(form, FORM_TOKEN_FIELD)
    workspace_id = _workspace_id(kept["workspace"])
    service = _service(request, storage, auth)
    listed = await service.list_test_sets(workspace_id)  # read before the write: RolledBack
    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = validate(
                TestSetCreate,
                {
                    "name": kept["name"],
                    "description": optional(kept["description"]),
                    "workspace_id": workspace_id,
                },
            )
            created = await service.create_test_set(data)
        except (FormInvalid, Invalid, Conflict) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else domain_errors(exc)
            response = _list_page(
                request,
                auth,
                listed,
                workspace_id,
                new_values=kept,
                new_errors=errors,
                form_token=token,
                status_code=409 if isinstance(exc, Conflict) else 422,
            )
            raise RolledBack(response) from None
        claim.done_url = f"/test-sets/{created.id}?done=test-set-created"
    return see_other(claim.done_url)


@router.get("/test-sets/{test_set_id:int}")
async def test_set_page(
    request: Request, test_set_id: int, storage: StorageDep, vault: VaultDep, auth: PageAuth
) -> Response:
    """One set: its rows in an editable table, import, paste, export, its assertions; the
    form to run an evaluation of it and its evaluations (pages/evaluation_start.py)."""
    service = _service(request, storage, auth)
    test_set = await service.get_test_set(test_set_id)
    rows = (await service.list_rows(test_set_id, limit=ROWS_SHOWN)).items
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row.variables))
    return page(
        request,
        "test_sets/page.html",
        auth,
        test_set=test_set,
        rows=rows,
        columns=list(columns),
        rows_shown=ROWS_SHOWN,
        assertions_json=json.dumps(test_set.assertions, indent=2, ensure_ascii=False),
        assertion_types=ASSERTION_TYPES,
        **await evaluation_sections(request, storage, vault, auth, test_set),
    )


@router.post("/test-sets/{test_set_id:int}/delete")
async def delete_test_set(
    request: Request, test_set_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Delete a set and its rows (not the user's, or none: 404)."""
    await _service(request, storage, auth).delete_test_set(test_set_id)
    return see_other("/test-sets?done=test-set-deleted")


@router.post("/prompts/{prompt_id:int}/responses/{response_id:int}/add-to-test-set")
async def add_response_to_test_set(
    request: Request, prompt_id: int, response_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Add a response as a row of the chosen set, and open the set."""
    form = await read_form(request)
    test_set_id = _workspace_id(text(form, "test_set_id"))  # a positive id, or None
    if test_set_id is None:
        raise Invalid("Choose a test set.", field="testSetId")
    await _service(request, storage, auth).add_from_response(
        test_set_id, RowFromResponse(response_id=response_id)
    )
    return see_other(f"/test-sets/{test_set_id}?done=row-added#rows")
