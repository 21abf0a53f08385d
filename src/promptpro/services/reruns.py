"""Re-running a response exactly: the same version, model, parameters and variables."""

from __future__ import annotations

from dataclasses import dataclass

from promptpro.errors import Conflict, NotFound
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.run_plans import Continuation, VersionSource, version_source
from promptpro.storage import Storage


@dataclass(frozen=True)
class Rerun:
    """What a re-run repeats, read from the stored response before the run starts."""

    prompt_id: int
    model: str
    variables: dict[str, str]
    version: VersionSource | None
    # A response that continued a conversation repeats that conversation.
    continuation: Continuation | None = None


async def rerun_of(storage: Storage, owner_id: str, response_id: int) -> Rerun:
    """The run that produced the owner's response, ready to plan again (NotFound if not theirs)."""
    response = await storage.get_response(owner_id, response_id)
    if response is None:
        raise NotFound(NO_SUCH_RESPONSE)
    version = await storage.response_version(owner_id, response_id)
    if version is None:
        raise Conflict(
            "This response doesn't record the version of the prompt that produced it, so it "
            "can't be re-run exactly: open it in the run panel to run it with the prompt as "
            "it is now.",
            field="promptVersionId",
        )
    return Rerun(
        prompt_id=response.prompt_id,
        model=response.model,
        variables=dict(response.variables or {}),
        version=version_source(version, dict(response.parameters or {}), with_model=False),
        continuation=(
            Continuation(list(response.messages), response.previous_response_id)
            if response.previous_response_id is not None and response.messages
            else None
        ),
    )
