"""What the run panel and the compare view start from: the last run's inputs, or a response's."""

from __future__ import annotations

from typing import Any

from promptpro.errors import NotFound
from promptpro.schemas.feedback import RunInputsRead
from promptpro.schemas.library import PromptRead
from promptpro.services.prompts import PromptService
from promptpro.services.run_inputs import RunInputService
from promptpro.storage import Storage
from promptpro.web.pages.editor import encode_stop, form_values


async def kept_inputs(
    storage: Storage, owner_id: str, prompt: PromptRead, from_response: str | None
) -> RunInputsRead:
    """The inputs of `?from=<response id>` when it names a response to this prompt, else the
    user's last run of it (a stale link falls back to those)."""
    service = RunInputService(storage, owner_id)
    if from_response and from_response.isdigit() and len(from_response) < 12:
        try:
            return await service.inputs_from(prompt.id, int(from_response))
        except NotFound:
            pass
    return await service.last_inputs(prompt.id)


def panel_values(prompt: PromptRead, inputs: RunInputsRead) -> dict[str, str]:
    """The run panel's model and parameter fields: the prompt's, or those the inputs kept."""
    values = form_values(prompt)
    if inputs.model:
        values["model"] = inputs.model
    parameters = inputs.parameters
    if parameters is not None:
        for name, value in (
            ("temperature", parameters.temperature),
            ("maxTokens", parameters.max_tokens),
            ("topP", parameters.top_p),
        ):
            values[f"parameters.{name}"] = "" if value is None else str(value)
        values["parameters.system"] = parameters.system or ""
        values["parameters.stop"] = "\n".join(encode_stop(s) for s in parameters.stop or [])
    return values


async def panel_context(
    storage: Storage, owner_id: str, prompt: PromptRead, from_response: str | None
) -> dict[str, Any]:
    """The template context of a run panel that starts from kept inputs."""
    inputs = await kept_inputs(storage, owner_id, prompt, from_response)
    return {
        "values": panel_values(prompt, inputs),
        "kept_variables": {n: v for n, v in inputs.variables.items() if isinstance(v, str)},
        # Image variables: the upload each was (the panel shows it and sends it again).
        "kept_images": {n: v.image for n, v in inputs.variables.items() if not isinstance(v, str)},
        "inputs_from": inputs.response_id if from_response else None,
    }


async def version_numbers(storage: Storage, owner_id: str, prompt_id: int) -> dict[int, int]:
    """Each saved version's number by its id, for naming the version a run used."""
    versions = await PromptService(storage, owner_id).list_versions(prompt_id)
    return {version.id: version.version for version in versions}
