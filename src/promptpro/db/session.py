"""Units of work: one session per request or command, committed by whoever opened it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SessionFactory = async_sessionmaker[AsyncSession]


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (no lazy reloads under asyncio)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def single_statements(factory: SessionFactory) -> SessionFactory:
    """Sessions on the same engine and pool in which every statement commits by itself.

    For work that is one statement (or statements that need not stand or fall together):
    no BEGIN and COMMIT round trips around it.
    """
    engine: AsyncEngine = factory.kw["bind"]
    return create_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on any error."""
    async with factory() as session, session.begin():
        yield session
