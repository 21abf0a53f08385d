"""The response page's tool turn: give each tool call its result and continue.

The form posts here; the next turn runs through the same run path as the API's
`POST /responses/{id}/continue` (`continuation_of` and `RunService.start`), and the page
goes to the new response once it has ended.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from promptpro.deps import SessionDep, StorageDep
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.chat import ContinueRequest
from promptpro.schemas.responses import ResponseRead
from promptpro.services.continuations import continuation_of
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.runs import RunService
from promptpro.web.forms import read_form
from promptpro.web.pages.common import PageAuth, see_other

router = APIRouter()


def formatted_output(response: ResponseRead) -> str | None:
    """A structured answer as indented JSON (None: no schema, or not JSON)."""
    if response.schema_valid is None:
        return None
    try:
        return json.dumps(json.loads(response.content), indent=2, ensure_ascii=False)
    except ValueError:
        return None


@router.post("/prompts/{prompt_id:int}/responses/{response_id:int}/continue")
async def continue_page(
    request: Request,
    prompt_id: int,
    response_id: int,
    storage: StorageDep,
    session: SessionDep,
    auth: PageAuth,
) -> Response:
    """Send the results typed in and show the model's next answer."""
    begun = time.perf_counter()
    form = await read_form(request)
    ids = [value for value in form.getlist("callId") if isinstance(value, str)]
    results = [value for value in form.getlist("result") if isinstance(value, str)]
    body: dict[str, Any] = {
        "toolResults": [
            {"callId": call_id, "content": result}
            for call_id, result in zip(ids, results, strict=False)
        ]
    }
    try:
        request_body = ContinueRequest.model_validate(body)
    except ValidationError:
        raise Invalid("Give a result for each tool call.", field="toolResults") from None
    state = request.app.state
    runs = RunService(
        storage,
        state.vault,
        state.providers,
        state.runs,
        auth.user.id,
        max_input_length=state.settings.max_rendered_input_chars,
    )
    rerun, continuation = await continuation_of(
        storage, auth.user.id, response_id, request_body.tool_results
    )
    if rerun.prompt_id != prompt_id:
        raise NotFound(NO_SUCH_RESPONSE)
    if session.in_transaction():
        await session.commit()  # the run writes with connections of its own
    started = await runs.start(
        rerun.prompt_id,
        models=[rerun.model],
        parameters=None,
        variables=rerun.variables,
        streamed=False,
        started=begun,
        version=rerun.version,
        continuation=continuation,
    )
    outcome = await runs.executor.outcome(started[0].run)
    if outcome.response is None:
        error = outcome.error
        raise error if error is not None else Invalid("The run could not be stored.")
    return see_other(f"/prompts/{prompt_id}/responses/{outcome.response.id}")
