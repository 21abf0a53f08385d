"""List envelopes: one page of items and the opaque cursor that continues after it."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from promptpro.schemas.base import ReadSchema
from promptpro.schemas.library import PromptRead
from promptpro.schemas.responses import ResponseRead

T = TypeVar("T")


class PageRead(ReadSchema, Generic[T]):
    """Some items, newest first, and the cursor for the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class PromptPage(PageRead[PromptRead]):
    """A page of prompts, newest-updated first."""


class ResponsePage(PageRead[ResponseRead]):
    """A page of a prompt's responses, newest first."""
