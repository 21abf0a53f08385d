"""One response: its page (exact input, parameters, variables), its rendered answer, delete."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from promptpro.deps import StorageDep
from promptpro.errors import NotFound
from promptpro.schemas.responses import ResponseRead
from promptpro.services.prompts import PromptService
from promptpro.services.responses import NO_SUCH_RESPONSE, ResponseService
from promptpro.services.test_sets import TestSetService
from promptpro.storage import Storage
from promptpro.web.markdown import prerender_markdown
from promptpro.web.pages.common import PageAuth, page, see_other
from promptpro.web.pages.editor import encode_stop
from promptpro.web.pages.tool_turns import formatted_output

router = APIRouter()

PARAMETER_LABELS = {
    "temperature": "Temperature",
    "max_tokens": "Max tokens",
    "top_p": "Top-p",
    "system": "System prompt",
    "stop": "Stop sequences",
}


async def _response(
    storage: Storage, owner_id: str, prompt_id: int, response_id: int
) -> ResponseRead:
    """The user's response to this prompt (a response to another prompt is not found)."""
    response = await ResponseService(storage, owner_id).get_response(response_id)
    if response.prompt_id != prompt_id:
        raise NotFound(NO_SUCH_RESPONSE)
    return response


@router.get("/prompts/{prompt_id:int}/responses/{response_id:int}")
async def response_page(
    request: Request, prompt_id: int, response_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Everything about one run: the input sent, parameters, variables, answer and cost."""
    response = await _response(storage, auth.user.id, prompt_id, response_id)
    await prerender_markdown(response.content, request.app.state.settings.markdown_max_chars)
    prompt = await PromptService(storage, auth.user.id).get_prompt(prompt_id)
    given = response.parameters.model_dump(exclude_none=True) if response.parameters else {}
    if "stop" in given:
        given["stop"] = "\n".join(encode_stop(stop) for stop in given["stop"])
    parameters = {PARAMETER_LABELS[name]: value for name, value in given.items()}
    # "Add to test set" offers the sets of the prompt's workspace.
    test_sets = await TestSetService(storage, auth.user.id).list_test_sets(prompt.workspace_id)
    return page(
        request,
        "prompts/response.html",
        auth,
        prompt=prompt,
        response=response,
        parameters=parameters,
        can_run=auth.may("prompt.run", prompt.workspace_id),
        test_sets=test_sets,
        structured=formatted_output(response),
    )


@router.get("/prompts/{prompt_id:int}/responses/{response_id:int}/fragment")
async def response_fragment(
    request: Request, prompt_id: int, response_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """The answer as sanitised HTML with its figures, for the run panel to show when done."""
    response = await _response(storage, auth.user.id, prompt_id, response_id)
    await prerender_markdown(response.content, request.app.state.settings.markdown_max_chars)
    return page(
        request,
        "prompts/_output.html",
        auth,
        response=response,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/prompts/{prompt_id:int}/responses/{response_id:int}/delete")
async def delete_response(
    prompt_id: int, response_id: int, storage: StorageDep, auth: PageAuth
) -> Response:
    """Delete one response (another user's, or none: 404, never "deleted")."""
    await _response(storage, auth.user.id, prompt_id, response_id)
    await ResponseService(storage, auth.user.id).delete_response(response_id)
    return see_other(f"/prompts/{prompt_id}?done=response-deleted#history")
