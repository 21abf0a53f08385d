"""The stream deadline: fires only while we wait for the provider, never into the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from promptpro.providers.deadline import Deadline, DeadlinePassed


async def ticks(gap: float, count: int = 100) -> AsyncIterator[int]:
    for number in range(count):
        await asyncio.sleep(gap)
        yield number


async def test_it_fires_while_waiting_for_the_next_item() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.05)

    with pytest.raises(DeadlinePassed):
        await deadline.next(ticks(gap=10))


async def test_it_never_cancels_the_callers_own_work_between_items() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.05)
    items = ticks(gap=0)

    assert await deadline.next(items) == 0
    await asyncio.sleep(0.1)  # the caller is busy past the deadline: not cancelled

    assert deadline.expired
    with pytest.raises(DeadlinePassed):
        await deadline.next(items)
    deadline.cancel()


async def test_extending_it_moves_the_deadline_back() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.05)
    items = ticks(gap=0.03, count=4)

    deadline.extend(loop.time() + 10)
    received = [await deadline.next(items) for _ in range(4)]

    assert received == [0, 1, 2, 3]
    assert not deadline.expired
    deadline.cancel()


async def test_someone_elses_cancellation_stays_a_cancellation() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 10)
    task = asyncio.create_task(deadline.next(ticks(gap=10)))
    await asyncio.sleep(0.01)

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    deadline.cancel()
