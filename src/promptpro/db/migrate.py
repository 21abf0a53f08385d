"""Apply, revert and inspect the schema migrations on a database URL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from promptpro.db.engine import create_engine, display_url
from promptpro.errors import ConfigurationError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@asynccontextmanager
async def _migration_connection(url: str) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction, or a ConfigurationError saying why there is none."""
    engine = create_engine(url, for_migrations=True)
    try:
        async with engine.begin() as conn:
            yield conn
    except (OSError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigurationError(
            f"Cannot use the database at {display_url(url)}: {reason}"
        ) from None
    finally:
        await engine.dispose()


async def _on_connection(url: str, work: Callable[[Connection], Any]) -> Any:
    async with _migration_connection(url) as conn:
        return await conn.run_sync(work)


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    await _on_connection(url, lambda c: command.upgrade(alembic_config(c), revision))


async def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` down to `revision` (`base` empties it)."""
    await _on_connection(url, lambda c: command.downgrade(alembic_config(c), revision))


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at (None when it was never migrated)."""
    revision: str | None = await _on_connection(
        url, lambda c: MigrationContext.configure(c).get_current_revision()
    )
    return revision


async def autogenerate(url: str, message: str) -> None:
    """Write a new revision with what the models have and the database at `url` lacks."""
    await _on_connection(
        url,
        lambda c: command.revision(alembic_config(c), message=message, autogenerate=True),
    )
