"""The inputs a prompt's run panel starts from: what its user last ran it with, or a response's.

Kept on the server (read from the stored runs, which record them), so another device
offers the same values.
"""

from __future__ import annotations

from promptpro.db.models import Response
from promptpro.errors import NotFound
from promptpro.schemas.feedback import RunInputsRead
from promptpro.schemas.library import PromptParameters
from promptpro.services.prompts import NO_SUCH_PROMPT
from promptpro.services.responses import NO_SUCH_RESPONSE
from promptpro.services.templates import variables_in
from promptpro.storage import Storage


def inputs_of(
    response: Response | None, content: str, current_version_id: int | None, *, exact: bool
) -> RunInputsRead:
    """The run panel's inputs from a stored run, for a prompt whose text is `content`.

    Variables the prompt no longer has are left out. The model and parameters come along
    when the run used the current version, or when `exact` (opening a given response):
    after the prompt was saved, its own model and parameters are the ones to start from.
    """
    if response is None:
        return RunInputsRead(response_id=None, variables={}, model=None, parameters=None)
    names = set(variables_in(content))
    variables = {name: value for name, value in (response.variables or {}).items() if name in names}
    same = exact or (
        response.prompt_version_id is not None and response.prompt_version_id == current_version_id
    )
    parameters = PromptParameters(**response.parameters) if same and response.parameters else None
    return RunInputsRead(
        response_id=response.id,
        variables=variables,
        model=response.model if same else None,
        parameters=parameters,
    )


class RunInputService:
    """The acting user's last inputs on their prompts."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def last_inputs(self, prompt_id: int) -> RunInputsRead:
        """What the user last ran this prompt with (empty when it never ran)."""
        prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        latest = await self.storage.latest_response(self.owner_id, prompt_id)
        version = await self.storage.get_latest_version(self.owner_id, prompt_id)
        return inputs_of(latest, prompt.content, version.id if version else None, exact=False)

    async def inputs_from(self, prompt_id: int, response_id: int) -> RunInputsRead:
        """The inputs of one response to this prompt, to change them and run again."""
        prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        response = await self.storage.get_response(self.owner_id, response_id)
        if response is None or response.prompt_id != prompt_id:
            raise NotFound(NO_SUCH_RESPONSE)
        return inputs_of(response, prompt.content, None, exact=True)
