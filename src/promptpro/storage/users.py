"""Users: the seed's user operations."""

from __future__ import annotations

import sqlalchemy as sa

from promptpro.db.models import User, Workspace, WorkspaceMember
from promptpro.db.types import String
from promptpro.schemas.users import UserCreate, UserUpdate
from promptpro.storage.base import StorageBase

PERSONAL_NAME = "Personal"


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

    async def delete_user(self, user_id: str) -> bool:
        """Delete the user and, by cascade, everything they own."""
        result = await self._execute(sa.delete(User).where(User.id == user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
