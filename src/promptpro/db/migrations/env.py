"""Alembic environment: runs on the connection that `promptpro.db.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from promptpro.db import models  # noqa: F401  (registers every table on the metadata)
from promptpro.db.base import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on one open connection (batch mode for SQLite's ALTER TABLE)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `promptpro db upgrade`, not the alembic command.")
run_on(connection)
