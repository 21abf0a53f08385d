"""The OpenAI-compatible gateway: a `chat/completions` call becomes a run of the run path.

`model` names either a saved prompt (`prompt:<name>` or `prompt:<name>@<label>`), whose
version is run with the request's messages after its own, or a model (`openai/gpt-4o-mini`,
`<endpoint>/<model>`), run as a response of the workspace's API log prompt
(storage/api_log.py). Either way `RunService.start` plans, admits (budgets, run limits),
calls the provider and keeps the record: there is no second way to call a provider.

The workspace is the token's (a token limited to one), else the caller's personal one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Conflict, Invalid, NotFound, ProviderError, ProviderErrorKind
from promptpro.providers.catalogue import Catalogue
from promptpro.providers.types import parse_model_id
from promptpro.schemas.keys import KeyProvider
from promptpro.schemas.names import check_label, check_prompt_name
from promptpro.schemas.openai_compat import ChatCompletionRequest
from promptpro.services import permissions
from promptpro.services.keys import stored_ciphertext
from promptpro.services.openai_shapes import PROMPT_PREFIX, appended, parameters
from promptpro.services.prompt_fetch import FetchCache, load_version
from promptpro.services.run_plans import VersionSource, version_source
from promptpro.services.runs import RunService, StartedRun
from promptpro.storage import Storage
from promptpro.storage.api_log import API_LOG_NAME

MODEL_FIELD = "model"


class ModelNotFound(NotFound):
    """The `model` names no prompt, provider or endpoint the caller can use (404)."""


@dataclass(frozen=True)
class GatewayRun:
    """A started run and what the answer names."""

    started: StartedRun
    model: str


class ApiLogIds:
    """This process's API log prompt id per workspace (a deleted log is made again)."""

    def __init__(self, max_size: int = 10_000) -> None:
        self._ids: dict[int, int] = {}
        self.max_size = max_size

    def get(self, workspace_id: int) -> int | None:
        return self._ids.get(workspace_id)

    def put(self, workspace_id: int, prompt_id: int) -> None:
        if len(self._ids) >= self.max_size:
            self._ids.clear()
        self._ids[workspace_id] = prompt_id

    def forget(self, workspace_id: int) -> None:
        self._ids.pop(workspace_id, None)


def prompt_model(model: str) -> tuple[str, str | None]:
    """`prompt:<name>[@<label>]` as (name, label); Invalid naming `model` when malformed."""
    name, _, label = model.removeprefix(PROMPT_PREFIX).partition("@")
    try:
        check_prompt_name(name)
        if label:
            check_label(label)
    except ValueError as exc:
        raise ModelNotFound(f"The model {model!r} does not exist: {exc}.") from None
    return name, label or None


class OpenAIGateway:
    """One caller's OpenAI-compatible calls, over the run service."""

    def __init__(
        self,
        storage: Storage,
        runs: RunService,
        factory: SessionFactory,
        cache: FetchCache,
        log_ids: ApiLogIds,
    ) -> None:
        self.storage = storage
        self.runs = runs
        self.factory = factory
        self.cache = cache
        self.log_ids = log_ids
        self.user_id = runs.owner_id

    async def workspace_id(self) -> int:
        """The token's workspace, else the caller's personal one."""
        if self.storage.workspace_limit is not None:
            return self.storage.workspace_limit
        found = self.cache.personal(self.user_id)
        if found is None:
            found = await self.storage.personal_workspace_id(self.user_id)
            self.cache.put_personal(self.user_id, found)
        return found

    async def _role(self, workspace_id: int) -> str | None:
        role = self.cache.role(self.user_id, workspace_id)
        if role is None:
            role = await self.storage.role_in(self.user_id, workspace_id)
            if role is not None:
                self.cache.put_role(self.user_id, workspace_id, role)
        return role

    async def start(
        self,
        request: ChatCompletionRequest,
        *,
        started: float,
        end_transaction: Callable[[], Awaitable[None]],
    ) -> GatewayRun:
        """Plan and start the call's run (`end_transaction` gives the request's connection
        back before the run starts, as the run routes do)."""
        extra = appended(request)
        overrides = parameters(request)
        if request.model.startswith(PROMPT_PREFIX):
            name, label = prompt_model(request.model)
            prompt_id, source = await self._prompt_source(request.model, name, label)
            await end_transaction()
            started_runs = await self.runs.start(
                prompt_id,
                models=[None],  # the version's own model
                parameters=overrides,
                variables=request.variable_text(),
                streamed=request.stream,
                started=started,
                version=source,
                appended=extra,
            )
            return GatewayRun(started_runs[0], request.model)
        if not extra.messages:
            raise Invalid("Send at least one message.", field="messages")
        try:
            model = parse_model_id(request.model).id
        except Invalid as exc:
            raise ModelNotFound(f"The model {request.model!r} does not exist: {exc}") from None
        workspace_id = await self.workspace_id()
        permissions.require_role(await self._role(workspace_id), "prompt.run")
        for attempt in (1, 2):
            # Authenticating may have written (a token's last use): commit before the API
            # log is made in a unit of work of its own (SQLite has one writer).
            await end_transaction()
            log_id = await self._api_log(workspace_id)
            await end_transaction()
            try:
                started_runs = await self.runs.start(
                    log_id,
                    models=[model],
                    parameters=overrides,
                    variables=request.variable_text(),
                    streamed=request.stream,
                    started=started,
                    appended=extra,
                )
            except NotFound:
                self.log_ids.forget(workspace_id)  # deleted since: make it again, once
                if attempt == 2:
                    raise
                continue
            except ProviderError as exc:
                if exc.kind is ProviderErrorKind.UNKNOWN_MODEL:
                    raise ModelNotFound(f"The model {request.model!r} does not exist.") from None
                raise
            return GatewayRun(started_runs[0], request.model)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _prompt_source(
        self, model: str, name: str, label: str | None
    ) -> tuple[int, VersionSource]:
        """The prompt and version a `prompt:` model runs, from the fetch cache when it can
        be (invalidated with it: any change to the workspace's prompts or labels)."""
        workspace_id = await self.workspace_id()
        selector = f"@{label}" if label is not None else None
        key = (workspace_id, name, f"run{selector or ''}")
        cached = self.cache.source(key)
        if isinstance(cached, tuple):
            return cached
        generation = self.cache.generation(workspace_id)
        found = await load_version(self.storage, self.user_id, workspace_id, name, selector)
        if found is None:
            raise ModelNotFound(
                f"The model {model!r} does not exist: no prompt named {name!r}"
                + (f" with label {label!r}" if label else "")
                + " in this workspace."
            )
        prompt_id, _, version, _, _ = found
        source = (prompt_id, version_source(version, version.parameters))
        # Who may run it is checked by the run's own plan (its context query), every time.
        self.cache.put_source(key, source, generation)
        return source

    async def _api_log(self, workspace_id: int) -> int:
        """The workspace's API log prompt, made by the first call that needs it."""
        found = self.log_ids.get(workspace_id)
        if found is None:
            found = await self.storage.api_log_prompt_id(workspace_id)
        if found is None:
            # In a unit of work of its own, committed before the run's record points at it;
            # a concurrent first call that made it first wins, and this one reads it.
            try:
                async with unit_of_work(self.factory) as session:
                    found = await Storage(session).create_api_log_prompt(self.user_id, workspace_id)
            except Conflict:
                async with unit_of_work(self.factory) as session:
                    found = await Storage(session).api_log_prompt_id(workspace_id)
            if found is None:  # pragma: no cover - made and deleted in between
                raise NotFound("The API log could not be made.")
        self.log_ids.put(workspace_id, found)
        return found

    async def models(self, catalogue: Catalogue) -> list[dict[str, Any]]:
        """The models the caller can name: catalogue models whose provider has a key (the
        workspace's or their own), own endpoints' models, and the workspace's prompts."""
        workspace_id = await self.workspace_id()
        if await self._role(workspace_id) is None:
            raise NotFound("No such workspace.")
        personal = await self.storage.get_api_keys(self.user_id)
        shared = await self.storage.get_workspace_api_keys(self.user_id, workspace_id)
        keyed = {
            str(provider)
            for provider in KeyProvider
            if stored_ciphertext(personal, provider) or stored_ciphertext(shared, provider)
        }
        created = int(catalogue_created(catalogue))
        listed = [
            _model(model.id, model.provider, created)
            for model in catalogue.models()
            if model.provider in keyed
        ]
        workspaces = [workspace_id]
        if self.storage.workspace_limit is None:
            own = await self.storage.personal_workspace_id(self.user_id)
            workspaces += [own] if own != workspace_id else []
        for listed_workspace in workspaces:
            for endpoint in await self.storage.list_endpoints(listed_workspace):
                made = int(endpoint.created_at.timestamp())
                for entry in endpoint.models:
                    name = entry.get("name")
                    if name:
                        listed.append(_model(f"{endpoint.name}/{name}", endpoint.name, made))
        for name, made_at in await self.storage.model_prompt_names(workspace_id):
            if name != API_LOG_NAME:
                listed.append(_model(f"{PROMPT_PREFIX}{name}", "promptpro", made_at.timestamp()))
        return listed


def catalogue_created(catalogue: Catalogue) -> float:
    """The catalogue's date as a Unix time (what `created` says of its models)."""
    return datetime.combine(catalogue.as_of, time(), tzinfo=UTC).timestamp()


def _model(model_id: str, owner: str, created: float) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": int(created), "owned_by": owner}
