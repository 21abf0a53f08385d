"""What every part of the storage shares: the session and a flush that speaks the domain."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from promptpro.errors import PromptProError
from promptpro.storage.integrity import to_domain_error
from promptpro.storage.pagination import MAX_ID


class StorageBase:
    """Holds the unit of work's session; never commits (the entry point does)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _flush(self) -> None:
        """Send pending changes, turning driver errors into domain errors."""
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise to_domain_error(exc) from None
        except StatementError as exc:
            # Our column types refuse unstorable values while binding parameters.
            if isinstance(exc.orig, PromptProError):
                raise exc.orig from None
            raise


def is_row_id(value: int) -> bool:
    """Whether `value` can be an id (a larger one would overflow PostgreSQL's integer)."""
    return 0 < value <= MAX_ID
