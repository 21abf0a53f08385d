"""The model catalogue on the wire."""

from __future__ import annotations

from datetime import date

from promptpro.schemas.base import ReadSchema


class ModelRead(ReadSchema):
    """A known model, its prices, and whether the user can run it (has a key)."""

    id: str
    provider: str
    name: str
    display_name: str
    context_window: int
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    note: str | None
    has_key: bool


class CatalogueRead(ReadSchema):
    """The catalogue: the date its prices were checked, and its models."""

    as_of: date
    models: list[ModelRead]
