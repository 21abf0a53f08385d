"""Users: the seed's user operations."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from promptpro.db.models import Category, Prompt, User, Workspace, WorkspaceMember
from promptpro.db.types import String
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.storage.base import StorageBase

PERSONAL_NAME = "Personal"
# The placeholder author of what deleted accounts wrote in team workspaces (GitHub's
# "ghost"): one disabled row that can't sign in. Its username can't be registered (the
# username rule refuses spaces and parentheses); its id is no UUID and no OIDC subject
# in practice.
DELETED_USER_ID = "promptpro:deleted-user"
DELETED_USERNAME = "(deleted user)"


class UserStorage(StorageBase):
    """getUser, getUserByUsername, createUser, upsertUser, and profile changes."""

    async def get_user(self, user_id: str) -> User | None:
        """The user with this id."""
        return await self._get(User, user_id)

    async def get_user_by_username(self, username: str) -> User | None:
        """The user with this username, whatever its case."""
        query = sa.select(User).where(
            sa.func.lower(User.username, type_=String) == username.lower()
        )
        return await self._scalar(query)

    async def usernames(self, user_ids: set[str]) -> dict[str, str]:
        """The usernames of these users, by id (ids of no user are left out)."""
        if not user_ids:
            return {}
        query = sa.select(User.id, User.username).where(User.id.in_(user_ids))
        return {row.id: row.username for row in await self._execute(query)}

    async def get_user_by_email(self, email: str) -> User | None:
        """The user with this email address, whatever its case."""
        query = sa.select(User).where(sa.func.lower(User.email, type_=String) == email.lower())
        return await self._scalar(query)

    async def create_user(self, data: UserCreate) -> User:
        """A new user, with their personal workspace."""
        values = data.model_dump(exclude_none=True)
        user = User(**values)
        self.session.add(user)
        await self._flush()
        # Every user has a personal workspace from the start (local and OpenID Connect).
        workspace = Workspace(name=PERSONAL_NAME, personal_user_id=user.id)
        self.session.add(workspace)
        await self._flush()
        self.session.add(WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role="owner"))
        await self._flush()
        return user

    async def upsert_user(self, data: UserCreate) -> User:
        """Create the user with `data.id`, or update it with the fields given (OIDC sign-in)."""
        user = await self.get_user(data.id) if data.id else None
        if user is None:
            return await self.create_user(data)
        for field, value in data.model_dump(exclude_unset=True, exclude={"id"}).items():
            setattr(user, field, value)
        await self._flush()
        return user

    async def update_user(self, user_id: str, changes: UserUpdate) -> User | None:
        """Apply the fields sent in `changes` to the user's profile."""
        user = await self.get_user(user_id)
        if user is None:
            return None
        for field, value in changes.model_dump(exclude_unset=True).items():
            setattr(user, field, value)
        await self._flush()
        return user

    async def teams_needing_an_owner(self, user_id: str) -> list[Workspace]:
        """The team workspaces the user is the only owner of while others are members: their
        deletion would leave those members with nobody to manage the workspace."""
        members = sa.orm.aliased(WorkspaceMember)
        owners = (
            sa.select(sa.func.count())
            .where(members.workspace_id == Workspace.id, members.role == "owner")
            .scalar_subquery()
        )
        everyone = (
            sa.select(sa.func.count()).where(members.workspace_id == Workspace.id).scalar_subquery()
        )
        query = (
            sa.select(Workspace)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
            .where(
                WorkspaceMember.user_id == user_id,
                WorkspaceMember.role == "owner",
                Workspace.personal_user_id.is_(None),
                owners == 1,
                everyone > 1,
            )
            .order_by(sa.func.lower(Workspace.name), Workspace.id)
        )
        return list(await self._scalars(query))

    async def delete_teams_of_one(self, user_id: str) -> list[int]:
        """Delete the team workspaces the user is the only member of, with everything in
        them (nobody else can reach them once the account is gone); their ids."""
        members = sa.orm.aliased(WorkspaceMember)
        alone = (
            sa.select(sa.func.count()).where(members.workspace_id == Workspace.id).scalar_subquery()
            == 1
        )
        query = (
            sa.select(Workspace.id)
            .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
            .where(WorkspaceMember.user_id == user_id, Workspace.personal_user_id.is_(None), alone)
        )
        ids = list(await self._scalars(query))
        if ids:
            await self._execute(sa.delete(Workspace).where(Workspace.id.in_(ids)))
        return ids

    async def hand_over_authorship(self, user_id: str) -> None:
        """Make the deleted-user placeholder the author of the prompts and categories the
        user made in team workspaces, so that deleting the account (whose rows cascade)
        leaves the team's library whole. Their `updated_at` stays: nothing of them changed."""
        teams = sa.select(Workspace.id).where(Workspace.personal_user_id.is_(None))
        authored = [
            sa.exists().where(model.user_id == user_id, model.workspace_id.in_(teams))
            for model in (Prompt, Category)
        ]
        if not await self._scalar(sa.select(sa.or_(*authored))):
            return  # nothing to keep: no placeholder is made
        await self._ensure_deleted_user()
        for model in (Prompt, Category):
            await self._execute(
                sa.update(model)
                .where(model.user_id == user_id, model.workspace_id.in_(teams))
                .values(user_id=DELETED_USER_ID, updated_at=model.updated_at)
                .execution_options(synchronize_session=False)
            )

    async def _ensure_deleted_user(self) -> None:
        """The placeholder row, made on first need (an insert that yields to a concurrent one)."""
        values = {
            "id": DELETED_USER_ID,
            "username": DELETED_USERNAME,
            "disabled": True,
            "is_admin": False,
        }
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self._execute(insert(User).values(**values).on_conflict_do_nothing())

    async def delete_user(self, user_id: str) -> bool:
        """Delete the user and, by cascade, everything they own."""
        result = await self._execute(sa.delete(User).where(User.id == user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
