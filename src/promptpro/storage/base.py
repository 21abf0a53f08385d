"""What every part of the storage shares: the session and a flush that speaks the domain."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Executable, Result
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import TypedReturnsRows

from promptpro.errors import Invalid, PromptProError
from promptpro.storage.integrity import to_domain_error
from promptpro.storage.pagination import MAX_ID

T = TypeVar("T")


async def domain_errors(awaitable: Awaitable[T]) -> T:
    """Await a database call, turning what our column types refuse into domain errors."""
    try:
        return await awaitable
    except IntegrityError as exc:
        raise to_domain_error(exc) from None
    except StatementError as exc:
        # Our column types refuse unstorable values (NUL, NaN) while binding parameters.
        if isinstance(exc.orig, PromptProError):
            raise exc.orig from None
        raise


class StorageBase:
    """Holds the unit of work's session; never commits (the entry point does)."""

    def __init__(self, session: AsyncSession, *, workspace_limit: int | None = None) -> None:
        self.session = session
        # Set for a request made with an access token limited to one workspace: every
        # membership read (so every scoped read of the library) sees that workspace only.
        self.workspace_limit = workspace_limit

    async def _flush(self) -> None:
        """Send pending changes, turning driver errors into domain errors."""
        await domain_errors(self.session.flush())

    async def _scalar(self, query: TypedReturnsRows[T]) -> T | None:
        """The first column of the first row, or None."""
        return await domain_errors(self.session.scalar(query))

    async def _scalars(self, query: TypedReturnsRows[T]) -> Sequence[T]:
        """The first column of every row."""
        return (await domain_errors(self.session.scalars(query))).all()

    async def _execute(
        self, statement: Executable, params: dict[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]:
        """Run a statement (an UPDATE or DELETE, mostly), with its named parameters."""
        return await domain_errors(self.session.execute(statement, params))

    async def _get(self, model: type[T], key: object) -> T | None:
        """The row with this primary key, or None."""
        return await domain_errors(self.session.get(model, key))


def is_row_id(value: int) -> bool:
    """Whether `value` can be an id (a larger one would overflow PostgreSQL's integer)."""
    return 0 < value <= MAX_ID


def check_limit(limit: int) -> None:
    """Refuse a page size below one."""
    if limit < 1:
        raise Invalid("A page holds at least one item.", field="limit")
