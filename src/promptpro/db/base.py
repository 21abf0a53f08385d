"""The declarative base: one naming convention for constraints and the timestamp mixins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from promptpro.db.types import UTCDateTime, utcnow

# Named constraints make migrations reproducible and let storage map a violated
# constraint back to the field at fault.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class CreatedAt:
    """`created_at`, set once on insert."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.now()
    )


class Timestamps(CreatedAt):
    """`created_at` and an `updated_at` that moves on every update."""

    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.func.now()
    )
