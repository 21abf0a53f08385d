"""Prompt runs for one user: start them (planned now, executed by the server), cancel them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from promptpro.db.models import ResponseStatus
from promptpro.errors import Conflict, Invalid, NotFound
from promptpro.providers.registry import ProviderRegistry
from promptpro.schemas.library import PromptParameters
from promptpro.schemas.responses import ResponseRead
from promptpro.schemas.uploads import ImageUrlVariable
from promptpro.security.vault import Vault
from promptpro.services.budgets import admit_spending
from promptpro.services.estimates import Estimate, estimate_prompt
from promptpro.services.images import ImageData, run_images, store_url_image
from promptpro.services.run_execution import RunExecutor
from promptpro.services.run_plans import (
    Appended,
    Continuation,
    RunPlan,
    VersionSource,
    plan_runs,
    version_source,
)
from promptpro.services.run_registry import ActiveRun
from promptpro.services.workspaces import require_for_prompt, require_for_response
from promptpro.storage import Storage


@dataclass(frozen=True)
class StartedRun:
    """A run now executing on the server, and the model (and version) it runs on."""

    model: str
    run: ActiveRun
    compare_group_id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class ComparePlan:
    """A compare run, planned and its group recorded (in the caller's unit of work)."""

    group_id: int
    plans: list[RunPlan]
    versions: list[int | None]


class RunService:
    """Starts and cancels one user's runs."""

    def __init__(
        self,
        storage: Storage,
        vault: Vault,
        providers: ProviderRegistry,
        executor: RunExecutor,
        owner_id: str,
        max_input_length: int | None = None,
        max_image_bytes: int = 5 * 1024 * 1024,
    ) -> None:
        self.storage = storage
        self.vault = vault
        self.providers = providers
        self.executor = executor
        self.owner_id = owner_id
        self.max_input_length = max_input_length  # of the prompt once its variables are in
        self.max_image_bytes = max_image_bytes  # of an image fetched from a URL

    async def store_image_urls(
        self, prompt_id: int, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The variables with each `{"imageUrl": url}` fetched (through the outgoing guard)
        and stored as an upload of the prompt's workspace, now `{"image": id}`.

        Called before the request's unit of work commits and the run starts: on SQLite the
        run's own writes would otherwise wait on this transaction's write lock.
        """
        if not any(isinstance(value, ImageUrlVariable) for value in variables.values()):
            return dict(variables)
        prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
        if prompt is None:
            raise NotFound("No such prompt.")
        stored: dict[str, Any] = {}
        for name, value in variables.items():
            if isinstance(value, ImageUrlVariable):
                upload = await store_url_image(
                    self.storage,
                    self.providers.guard,
                    self.owner_id,
                    prompt.workspace_id,
                    value.image_url,
                    self.max_image_bytes,
                    f"variables.{name}",
                )
                value = {"image": upload.id}
            stored[name] = value
        return stored

    async def _images(
        self, prompt_id: int, variables: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, ImageData]]:
        """The run's text variables and its images by name (services/images.run_images),
        read (or fetched and stored) in the request's unit of work, before planning."""
        if all(isinstance(value, str) for value in variables.values()):
            return dict(variables), {}  # most runs: nothing to read
        workspace = None
        if any(isinstance(value, ImageUrlVariable) for value in variables.values()):
            prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
            workspace = prompt.workspace_id if prompt is not None else None
        return await run_images(
            self.storage,
            self.providers.guard,
            self.owner_id,
            workspace,
            variables,
            max_bytes=self.max_image_bytes,
        )

    async def _plan(self, **plan: Any) -> list[RunPlan]:
        """`plan_runs` with what every run of this service shares: keys, owner, bounds."""
        if self.storage.workspace_limit is not None and (
            await self.storage.get_prompt(self.owner_id, plan["prompt_id"]) is None
        ):
            # The run path reads the prompt on its own connection, past the request's
            # storage: a token limited to another workspace is stopped here.
            raise NotFound("No such prompt.")
        return await plan_runs(
            self.executor.records,
            self.vault,
            self.providers,
            owner_id=self.owner_id,
            max_input_length=self.max_input_length,
            **plan,
        )

    async def start(
        self,
        prompt_id: int,
        *,
        models: list[str | None],
        parameters: PromptParameters | None,
        variables: Mapping[str, Any],
        streamed: bool,
        started: float,
        version: VersionSource | None = None,
        continuation: Continuation | None = None,
        appended: Appended | None = None,
    ) -> list[StartedRun]:
        """Plan the prompt's run on each model and hand the runs to the server.

        `started` is when the request arrived (perf_counter), the zero of the run's timings;
        a `streamed` run records its `running` row at once, for its `start` event, and
        streams from the provider; the others make one non-streamed call.
        """
        registry = self.executor.registry
        registry.admit(self.owner_id, len(models))  # before spending a query on a refusal
        texts, images = await self._images(prompt_id, variables)
        plans = await self._plan(
            prompt_id=prompt_id,
            models=models,
            parameters=parameters,
            variables=texts,
            images=images,
            started=started,
            version=version,
            continuation=continuation,
            appended=appended,
        )
        # Runs are admitted here, planned and before any provider call: against the monthly
        # budgets (nothing to check, and no query, when none is set)...
        plans = await admit_spending(self.executor.records, self.executor.registry, plans)
        # ...and again against the run limits, with nothing awaited until the runs are
        # launched: runs started by other requests while this one was planning count too.
        registry.admit(self.owner_id, len(plans))
        return [
            StartedRun(plan.model, self.executor.launch(plan, streamed=streamed)) for plan in plans
        ]

    async def version_to_run(self, prompt_id: int, number: int) -> VersionSource:
        """Version `number` of a prompt the owner may run, to run instead of its current
        state (a prompt they can't run is NotFound, before its versions are looked at)."""
        await require_for_prompt(
            self.storage, self.owner_id, prompt_id, "prompt.run", missing="No such prompt."
        )
        version = await self.storage.get_prompt_version(self.owner_id, prompt_id, number)
        if version is None:
            raise Invalid(f"This prompt has no version {number}.", field="version")
        return version_source(version, version.parameters)

    async def plan_compare(
        self,
        prompt_id: int,
        *,
        models: list[str] | None,
        versions: list[int] | None,
        model: str | None,
        parameters: PromptParameters | None,
        variables: Mapping[str, Any],
        started: float,
    ) -> ComparePlan:
        """Record a compare group and plan its columns: one per model, or one per version.

        The group is written in the caller's unit of work, which must commit it before
        `launch` (the runs' records point at it); a plan that fails leaves no group behind.
        """
        # Before anything is written: a compare's columns count against the run limits.
        self.executor.registry.admit(self.owner_id, len(versions or models or ()))
        await require_for_prompt(
            self.storage, self.owner_id, prompt_id, "prompt.run", missing="No such prompt."
        )
        texts, images = await self._images(prompt_id, variables)
        group = await self.storage.create_compare_group(self.owner_id, prompt_id)
        if group is None:
            raise NotFound("No such prompt.")
        if versions is None:
            if models is None or len(models) < 2:
                raise Invalid("Choose 2 to 6 models, or 2 to 6 versions.", field="models")
            if model is not None:
                raise Invalid(
                    "Use `models` to compare models; `model` goes with `versions`.", field="model"
                )
            plans = await self._plan(
                prompt_id=prompt_id,
                models=list(models),
                parameters=parameters,
                variables=texts,
                images=images,
                started=started,
                compare_group_id=group.id,
            )
            plans = await admit_spending(self.executor.records, self.executor.registry, plans)
            return ComparePlan(group.id, plans, [None] * len(plans))
        if models is not None and (len(models) != 1 or model is not None):
            raise Invalid("Versions are compared on one model.", field="models")
        on_model = model or (models[0] if models else None)
        plans = []
        for number in versions:
            version = await self.storage.get_prompt_version(self.owner_id, prompt_id, number)
            if version is None:
                raise Invalid(f"This prompt has no version {number}.", field="versions")
            source = version_source(version, version.parameters)
            plans += await self._plan(
                prompt_id=prompt_id,
                models=[on_model],  # None: the version's own model
                version=source,
                parameters=parameters,
                variables=texts,
                images=images,
                started=started,
                compare_group_id=group.id,
            )
        plans = await admit_spending(self.executor.records, self.executor.registry, plans)
        return ComparePlan(group.id, plans, list(versions))

    def launch(self, compare: ComparePlan, *, streamed: bool) -> list[StartedRun]:
        """Hand a compare run's planned columns to the server (its group committed)."""
        # Again, with nothing awaited until they are launched: other requests' runs count.
        self.executor.registry.admit(self.owner_id, len(compare.plans))
        return [
            StartedRun(
                plan.model,
                self.executor.launch(plan, streamed=streamed),
                compare_group_id=compare.group_id,
                version=version,
            )
            for plan, version in zip(compare.plans, compare.versions, strict=True)
        ]

    async def estimate(
        self,
        prompt_id: int,
        *,
        model: str | None,
        variables: dict[str, str],
        parameters: PromptParameters | None,
    ) -> Estimate:
        """What the prompt's next run would cost (services/estimates.py)."""
        return await estimate_prompt(
            self.executor.records,
            self.vault,
            self.providers,
            owner_id=self.owner_id,
            prompt_id=prompt_id,
            model=model,
            variables=variables,
            parameters=parameters,
            max_input_length=self.max_input_length,
        )

    async def cancel(self, response_id: int) -> ResponseRead:
        """Cancel a running run, wherever it runs; a run that has ended can't be cancelled."""
        await require_for_response(
            self.storage, self.owner_id, response_id, "prompt.run", missing="No such response."
        )
        response = await self.storage.cancel_response(self.owner_id, response_id)
        if response is None:
            raise NotFound("No such response.")
        if response.status not in (ResponseStatus.RUNNING, ResponseStatus.CANCELLED):
            raise Conflict(f"The run has already ended ({response.status}).", field="status")
        # In this process the task stops now; another process sees the mark within a second.
        self.executor.registry.stop(response_id, "cancelled")
        return ResponseRead.model_validate(response)
