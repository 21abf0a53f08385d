"""Continuing a conversation: a response's tool calls answered, sent back to the model.

The next turn is a run like any other (`RunService.start`, one run path): the same prompt
version, model, parameters and variables, with the conversation so far — the earlier
turns, the model's answer with its calls, one result per call — in place of the prompt's
first turn. It is kept as a new response that names the one it continues.
"""

from __future__ import annotations

from typing import Any

from promptpro.db.models import ResponseStatus
from promptpro.errors import Conflict, Invalid, NotFound
from promptpro.schemas.chat import ToolResult
from promptpro.services.reruns import Rerun
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.run_plans import Continuation, version_source
from promptpro.storage import Storage


def _results_by_call(calls: list[dict[str, Any]], results: list[ToolResult]) -> dict[str, str]:
    """Each call id with its result: every call answered once, no call we don't know."""
    known = {str(call["id"]) for call in calls}
    given: dict[str, str] = {}
    for index, result in enumerate(results):
        if result.call_id not in known:
            raise Invalid(
                f"The response has no tool call {result.call_id!r}: "
                f"its calls are {', '.join(sorted(known))}.",
                field=f"toolResults.{index}.callId",
            )
        if result.call_id in given:
            raise Invalid(
                f"Tool call {result.call_id!r} has two results.",
                field=f"toolResults.{index}.callId",
            )
        given[result.call_id] = result.content
    missing = [call_id for call_id in known if call_id not in given]
    if missing:
        raise Invalid(
            f"Give a result for every tool call: {', '.join(sorted(missing))} has none.",
            field="toolResults",
        )
    return given


async def continuation_of(
    storage: Storage, owner_id: str, response_id: int, results: list[ToolResult]
) -> tuple[Rerun, Continuation]:
    """What the next turn runs (NotFound if the response isn't the owner's to see)."""
    response = await storage.get_response(owner_id, response_id)
    if response is None:
        raise NotFound(NO_SUCH_RESPONSE)
    calls = response.tool_calls or []
    if response.status != ResponseStatus.COMPLETED or not calls:
        raise Conflict(
            "This response asked for no tool calls, so there is nothing to continue.",
            field="toolCalls",
        )
    given = _results_by_call(calls, results)
    version = await storage.response_version(owner_id, response_id)
    turns: list[dict[str, Any]] = list(response.messages or ()) or [
        {"role": "user", "content": response.rendered_input or ""}
    ]
    turns.append({"role": "assistant", "content": response.content, "toolCalls": calls})
    turns += [
        {
            "role": "tool",
            "toolCallId": call["id"],
            "name": call["name"],
            "content": given[str(call["id"])],
        }
        for call in calls
    ]
    parameters = dict(response.parameters or {})
    rerun = Rerun(
        prompt_id=response.prompt_id,
        model=response.model,
        variables=dict(response.variables or {}),
        version=version_source(version, parameters, with_model=False) if version else None,
    )
    return rerun, Continuation(turns, response.id)
