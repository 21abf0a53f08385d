"""Units of work: one session per request or command, committed by whoever opened it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SessionFactory = async_sessionmaker[AsyncSession]


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (no lazy reloads under asyncio)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed on success and rolled back on any error.

    The transaction begins with the first statement, so a unit of work that runs none (a
    request authenticated from the token cache) costs neither a transaction nor a commit.
    """
    async with factory() as session:  # closing it rolls back what is not committed
        yield session
        transaction = session.get_transaction()
        if transaction is not None and transaction.is_active:  # not failed and caught
            await session.commit()
