"""Units of work: committed when they succeed, rolled back when anything fails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from promptpro.db.models import User
from promptpro.db.session import SessionFactory, unit_of_work


async def usernames(factory: SessionFactory) -> list[str]:
    async with factory() as session:
        return list(await session.scalars(sa.select(User.username).order_by(User.username)))


async def test_a_unit_of_work_that_succeeds_is_committed(session_factory: SessionFactory) -> None:
    async with unit_of_work(session_factory) as session:
        session.add(User(username="ada"))
    assert await usernames(session_factory) == ["ada"]


async def test_a_unit_of_work_that_fails_is_rolled_back(session_factory: SessionFactory) -> None:
    with pytest.raises(RuntimeError):
        async with unit_of_work(session_factory) as session:
            session.add(User(username="ada"))
            await session.flush()
            raise RuntimeError("boom")
    assert await usernames(session_factory) == []


async def test_objects_stay_readable_after_their_unit_of_work_commits(
    session_factory: SessionFactory,
) -> None:
    async with unit_of_work(session_factory) as session:
        user = User(username="ada")
        session.add(user)
    assert user.username == "ada"
    assert len(user.id) == 32
