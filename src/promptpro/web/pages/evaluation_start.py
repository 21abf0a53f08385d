"""Starting an evaluation from a test set's page: the "Run an evaluation" card (a prompt of
the set's workspace; its latest state or a label on 1-6 models, or 2-4 versions on one
model; 1-20 repeats), its estimate before anything runs, the confirmation a costly one
needs, and the set's evaluations listed with "compare with previous".

A plain form, handled here through the same service as the API (services/evaluations.py):
nothing for a script to get wrong, and every refusal is the form shown again with its
reason. The card sits on the set's page (test_sets.py calls `evaluation_sections`); the
answers to a posted form are a page of their own (test_sets/evaluate.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from promptpro.deps import (
    EvaluationDispatchDep,
    EvaluationServiceDep,
    SessionDep,
    StorageDep,
    VaultDep,
)
from promptpro.errors import (
    BudgetExceeded,
    ConfirmationRequired,
    Conflict,
    Invalid,
    NeedsKey,
    NotFound,
    PromptProError,
)
from promptpro.schemas.evaluations import (
    MAX_MODELS,
    MAX_REPEATS,
    MAX_VERSIONS,
    EstimateRead,
    EvaluationCreate,
)
from promptpro.schemas.test_sets import TestSetRead
from promptpro.security.vault import Vault
from promptpro.services.evaluation_history import history
from promptpro.services.evaluations import EvaluationService
from promptpro.services.labels import LabelService
from promptpro.services.prompts import MAX_PAGE_SIZE, PromptService
from promptpro.services.test_sets import TestSetService
from promptpro.storage import Storage
from promptpro.web.forms import FORM, FieldErrors, FormInvalid, read_form, text, validate
from promptpro.web.guards import FORM_TOKEN_FIELD, new_form_token
from promptpro.web.pages.common import (
    FormOnceDep,
    PageAuth,
    PageUser,
    model_choices,
    page,
    see_other,
)

router = APIRouter()

# The fields that have an error slot of their own; any other error is the form's.
FIELDS = ("models", "versions", "label", "repeats")
# A refused start answers with the status the API gives the same refusal.
STATUS = {BudgetExceeded: 402, ConfirmationRequired: 409, Conflict: 409, NotFound: 404}


@dataclass
class Chosen:
    """What the start form says (as posted, to be shown again)."""

    prompt_id: int | None = None
    mode: str = "models"  # "models": one version on 1-6 models; "versions": 2-4 on one
    label: str = ""
    versions: list[int] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    repeats: str = "1"
    confirm_usd: float | None = None

    @classmethod
    def of(cls, form: FormData) -> Chosen:
        """The posted choices (malformed numbers dropped: the checks below name them)."""
        prompt = text(form, "promptId")
        confirm = text(form, "confirmCostUsd")
        try:
            confirm_usd = float(confirm) if confirm else None
        except ValueError:
            confirm_usd = None
        return cls(
            prompt_id=int(prompt) if prompt.isdigit() and len(prompt) < 12 else None,
            mode="versions" if text(form, "mode") == "versions" else "models",
            label=text(form, "label").strip(),
            versions=[
                int(v)
                for v in form.getlist("versions")
                if isinstance(v, str) and v.isdigit() and len(v) < 12
            ],
            models=[m for m in form.getlist("models") if isinstance(m, str) and m],
            repeats=text(form, "repeats").strip() or "1",
            confirm_usd=confirm_usd,
        )

    def request(self, test_set_id: int) -> EvaluationCreate:
        """The API's request for these choices, or FormInvalid naming each field at fault."""
        errors: FieldErrors = {}
        if self.prompt_id is None:
            errors[FORM] = "Choose a prompt to evaluate."
        if self.mode == "versions":
            if not 2 <= len(self.versions) <= MAX_VERSIONS:
                errors["versions"] = f"Choose 2 to {MAX_VERSIONS} versions to compare."
            if len(self.models) != 1:
                errors["models"] = "Versions are compared on one model: choose exactly one."
        elif not 1 <= len(self.models) <= MAX_MODELS:
            errors["models"] = f"Choose 1 to {MAX_MODELS} models."
        if not (self.repeats.isdigit() and 1 <= int(self.repeats) <= MAX_REPEATS):
            errors["repeats"] = f"Repeats is a whole number from 1 to {MAX_REPEATS}."
        if errors:
            raise FormInvalid(errors)
        body: dict[str, Any] = {
            "testSetId": test_set_id,
            "promptId": self.prompt_id,
            "models": self.models,
            "repeats": int(self.repeats),
            "confirmCostUsd": self.confirm_usd,
        }
        if self.mode == "versions":
            body["versions"] = self.versions
        elif self.label:
            body["label"] = self.label
        return validate(EvaluationCreate, body)


def form_errors(exc: PromptProError | FormInvalid) -> FieldErrors:
    """Each error under its field's slot, or the form's."""
    if isinstance(exc, FormInvalid):
        found = exc.errors
    else:
        found = {getattr(exc, "field", None) or FORM: exc.detail}
    errors: FieldErrors = {}
    for name, message in found.items():
        key = name if name in FIELDS else FORM
        errors[key] = f"{errors[key]} {message}" if key in errors else message
    return errors


async def start_card(
    storage: Storage,
    vault: Vault,
    auth: PageUser,
    test_set: TestSetRead,
    chosen: Chosen,
) -> dict[str, Any]:
    """The card's choices: the workspace's prompts, the chosen one's labels and versions,
    the models (with own endpoints), and what was chosen so far."""
    workspace_id = test_set.workspace_id
    prompts = PromptService(storage, auth.user.id)
    listed = list(
        (await prompts.list_prompts(workspace_id=workspace_id, limit=MAX_PAGE_SIZE)).items
    )
    prompt = next((p for p in listed if p.id == chosen.prompt_id), None)
    if prompt is None and chosen.prompt_id is not None:
        try:  # an older prompt than the list holds, if it is of the set's workspace
            found = await prompts.get_prompt(chosen.prompt_id)
        except NotFound:
            found = None
        if found is not None and found.workspace_id == workspace_id:
            listed.insert(0, found)
            prompt = found
    prompt = prompt or (listed[0] if listed else None)
    # The labels but `latest` (listed first): "as it is now" stands for it.
    labels = LabelService(storage, auth.user.id)
    named = (await labels.list_labels(prompt.id))[1:] if prompt else []
    versions = await prompts.list_versions(prompt.id) if prompt else []
    groups = await model_choices(
        storage, vault, auth, include=[prompt.model if prompt else None], workspace_id=workspace_id
    )
    models = chosen.models or ([prompt.model] if prompt and prompt.model else [])
    return {
        "can_evaluate": auth.may("evaluations.run", workspace_id),
        "eval_prompts": listed,
        "eval_prompt": prompt,
        "eval_labels": named,
        "eval_versions": versions,
        "eval_model_groups": groups,
        "chosen": chosen,
        "chosen_models": models,
        "max_models": MAX_MODELS,
        "max_versions": MAX_VERSIONS,
        "max_repeats": MAX_REPEATS,
    }


async def evaluation_sections(
    request: Request, storage: Storage, vault: Vault, auth: PageUser, test_set: TestSetRead
) -> dict[str, Any]:
    """What a set's page shows of evaluations: the start card (`?prompt=ID` chooses its
    prompt; the most recently changed one by default) and the set's evaluations."""
    raw = request.query_params.get("prompt", "")
    chosen = Chosen(prompt_id=int(raw) if raw.isdigit() and len(raw) < 12 else None)
    card = await start_card(storage, vault, auth, test_set, chosen)
    service = EvaluationService(storage, auth.user.id)
    return {
        **card,
        "evaluations": await history(service, test_set.id),
        "eval_errors": {},
        "eval_form_token": new_form_token(),
        "estimate": None,
        "confirm_usd": None,
    }


@router.get("/test-sets/{test_set_id:int}/evaluations")
async def set_evaluations(test_set_id: int) -> Response:
    """The set's evaluations are listed on its page (a reload of a posted form lands here)."""
    return see_other(f"/test-sets/{test_set_id}#evaluations")


@router.post("/test-sets/{test_set_id:int}/evaluations")
async def start_evaluation(
    request: Request,
    test_set_id: int,
    storage: StorageDep,
    vault: VaultDep,
    auth: PageAuth,
    service: EvaluationServiceDep,
    dispatch: EvaluationDispatchDep,
    session: SessionDep,
    once: FormOnceDep,
) -> Response:
    """Estimate (`intent=estimate`) or start an evaluation; started, it opens. A refusal
    shows the form again with its reason; one costing more than agreed asks to confirm."""
    form = await read_form(request)
    test_set = await TestSetService(storage, auth.user.id).get_test_set(test_set_id)
    chosen = Chosen.of(form)
    token = text(form, FORM_TOKEN_FIELD)

    async def again(
        status: int,
        errors: FieldErrors,
        estimate: EstimateRead | None = None,
        confirm_usd: float | None = None,
    ) -> Response:
        card = await start_card(storage, vault, auth, test_set, chosen)
        return page(
            request,
            "test_sets/evaluate.html",
            auth,
            status_code=status,
            test_set=test_set,
            **card,
            eval_errors=errors,
            eval_form_token=token or new_form_token(),
            estimate=estimate,
            confirm_usd=confirm_usd,
        )

    async with once.claim(auth.user.id, token) as claim:
        if claim.done_url:
            return see_other(claim.done_url)
        try:
            data = chosen.request(test_set.id)
            if text(form, "intent") == "estimate":
                return await again(200, {}, await service.estimate(data))
            created = await service.created(data)
        except ConfirmationRequired as exc:
            return await again(409, {}, confirm_usd=exc.estimate_usd)
        except FormInvalid as exc:
            return await again(422, form_errors(exc))
        except (Invalid, Conflict, NeedsKey, BudgetExceeded, NotFound) as exc:
            return await again(STATUS.get(type(exc), 422), form_errors(exc))
        await session.commit()  # the cells exist before anyone may take them
        await dispatch.kick(created.id)
        claim.done_url = f"/evaluations/{created.id}"
    return see_other(claim.done_url)
