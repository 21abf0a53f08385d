"""The workspace a browser session works in: remembered in the session, checked on use.

The pages' library, categories, search and "new" forms act in one workspace at a time,
chosen with the switcher and kept in the server-side session (`sess.workspaceId`, so it
follows the session and nothing else). The choice is checked against the user's
memberships every time it is read: a workspace they left, were removed from, or that was
deleted falls back to their personal one, silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from promptpro.db.models import User
from promptpro.errors import Invalid
from promptpro.schemas.workspaces import WorkspaceRead
from promptpro.services.sessions import ActiveSession
from promptpro.services.workspaces import WorkspaceService
from promptpro.storage import Storage

SESSION_KEY = "workspaceId"


@dataclass(frozen=True)
class WorkspaceChoice:
    """The user's workspaces (personal first) and the one they work in now."""

    workspaces: tuple[WorkspaceRead, ...]
    current: WorkspaceRead

    def role_in(self, workspace_id: int) -> str | None:
        """The user's role in one of their workspaces (None: not a member)."""
        return next((w.role for w in self.workspaces if w.id == workspace_id), None)


def _chosen_id(session: ActiveSession | None) -> int | None:
    value = session.data.get(SESSION_KEY) if session is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def current_workspace(
    storage: Storage, actor: User, session: ActiveSession | None
) -> WorkspaceChoice:
    """The user's workspaces and the current one (the personal one unless the session
    names another they still belong to; always the personal one for a bearer token)."""
    workspaces = tuple(await WorkspaceService(storage, actor).list_workspaces())
    chosen = _chosen_id(session)
    personal = next((w for w in workspaces if w.personal), workspaces[0])
    current = next((w for w in workspaces if w.id == chosen), personal)
    return WorkspaceChoice(workspaces, current)


async def switch_workspace(
    storage: Storage, actor: User, session: ActiveSession | None, workspace_id: int
) -> WorkspaceRead:
    """Make one of the user's workspaces the session's current one (NotFound for a
    workspace they are not in, as for any object not theirs)."""
    workspace = await WorkspaceService(storage, actor).get_workspace(workspace_id)
    if session is None:
        raise Invalid("Only a signed-in browser session has a current workspace.", field="id")
    await storage.update_session_data(session.row, {**session.data, SESSION_KEY: workspace.id})
    return workspace
