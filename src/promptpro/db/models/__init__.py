"""The tables: the seed's six and the additions of DESIGN.md section 2."""

from promptpro.db.models.accounts import (
    AccessToken,
    LoginAttempt,
    OidcIdentity,
    PasswordCredential,
    Session,
    User,
)
from promptpro.db.models.admin import AuditEvent, InstanceSetting
from promptpro.db.models.api_keys import PROVIDER_KEY_COLUMNS, ApiKeys, WorkspaceApiKeys
from promptpro.db.models.drafts import PromptDraft
from promptpro.db.models.endpoints import Endpoint
from promptpro.db.models.evaluations import (
    CellStatus,
    Evaluation,
    EvaluationCell,
    EvaluationStatus,
)
from promptpro.db.models.labels import ChangeRequest, LabelEvent, PromptLabel
from promptpro.db.models.library import Category, Prompt, PromptVersion
from promptpro.db.models.organising import CompareGroup, Favourite, PromptTag
from promptpro.db.models.responses import Response, ResponseStatus, WorkerHeartbeat
from promptpro.db.models.test_sets import TestSet, TestSetRow
from promptpro.db.models.uploads import Upload
from promptpro.db.models.workspaces import Workspace, WorkspaceInvitation, WorkspaceMember

__all__ = [
    "PROVIDER_KEY_COLUMNS",
    "AccessToken",
    "ApiKeys",
    "AuditEvent",
    "Category",
    "CellStatus",
    "ChangeRequest",
    "CompareGroup",
    "Endpoint",
    "Evaluation",
    "EvaluationCell",
    "EvaluationStatus",
    "Favourite",
    "InstanceSetting",
    "LabelEvent",
    "LoginAttempt",
    "OidcIdentity",
    "PasswordCredential",
    "Prompt",
    "PromptDraft",
    "PromptLabel",
    "PromptTag",
    "PromptVersion",
    "Response",
    "ResponseStatus",
    "Session",
    "TestSet",
    "TestSetRow",
    "Upload",
    "User",
    "WorkerHeartbeat",
    "Workspace",
    "WorkspaceApiKeys",
    "WorkspaceInvitation",
    "WorkspaceMember",
]
