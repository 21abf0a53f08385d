"""FastAPI dependencies shared by the API and the pages: settings, the unit of work, storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.config import Settings
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.storage import Storage


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> SessionFactory:
    """The app's session factory."""
    factory: SessionFactory = request.app.state.session_factory
    return factory


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, committed before the response is sent."""
    async with unit_of_work(get_session_factory(request)) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": commit (or roll back) before the response leaves, so a failed commit
# becomes an error response and a client never reads older data than it just wrote.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_storage(session: SessionDep) -> Storage:
    """Storage over the request's unit of work."""
    return Storage(session)


StorageDep = Annotated[Storage, Depends(get_storage)]
