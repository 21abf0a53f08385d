"""The seed's IStorage: every read and write of the database, scoped to the acting user.

Methods flush but never commit: the entry point that opened the unit of work does.
"""

from __future__ import annotations

from promptpro.storage.access_tokens import AccessTokenStorage
from promptpro.storage.admin import AdminStorage
from promptpro.storage.api_keys import ApiKeyStorage
from promptpro.storage.api_log import ApiLogStorage
from promptpro.storage.categories import CategoryStorage
from promptpro.storage.compare_groups import CompareGroupStorage
from promptpro.storage.credentials import CredentialStorage
from promptpro.storage.drafts import DraftStorage
from promptpro.storage.endpoints import EndpointStorage
from promptpro.storage.evaluations import EvaluationStorage
from promptpro.storage.feedback import FeedbackStorage
from promptpro.storage.identities import IdentityStorage
from promptpro.storage.invitations import InvitationStorage
from promptpro.storage.labels import LabelStorage
from promptpro.storage.login_attempts import LoginAttemptStorage
from promptpro.storage.pagination import Keyset, Page
from promptpro.storage.portability import PortabilityStorage
from promptpro.storage.prompts import PromptStorage
from promptpro.storage.responses import ResponseStorage
from promptpro.storage.runs import RunStorage
from promptpro.storage.search import SearchStorage
from promptpro.storage.sessions import SessionStorage
from promptpro.storage.spending import SpendingStorage
from promptpro.storage.test_sets import TestSetStorage
from promptpro.storage.uploads import UploadStorage
from promptpro.storage.users import UserStorage
from promptpro.storage.workspace_keys import WorkspaceKeyStorage
from promptpro.storage.workspaces import WorkspaceStorage


class Storage(
    UserStorage,
    CategoryStorage,
    PromptStorage,
    LabelStorage,
    SearchStorage,
    CompareGroupStorage,
    ResponseStorage,
    RunStorage,
    ApiKeyStorage,
    SessionStorage,
    CredentialStorage,
    IdentityStorage,
    AccessTokenStorage,
    LoginAttemptStorage,
    FeedbackStorage,
    DraftStorage,
    AdminStorage,
    TestSetStorage,
    UploadStorage,
    EvaluationStorage,
    WorkspaceStorage,
    SpendingStorage,
    WorkspaceKeyStorage,
    EndpointStorage,
    InvitationStorage,
    ApiLogStorage,
    PortabilityStorage,
):
    """All storage operations over one session."""


__all__ = ["Keyset", "Page", "Storage"]
