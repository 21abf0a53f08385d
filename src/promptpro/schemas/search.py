"""Full-text search results."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from promptpro.schemas.base import ReadSchema


class SearchHitRead(ReadSchema):
    """One match: a prompt (by title or content) or a response (by content)."""

    kind: Literal["prompt", "response"]
    id: int = Field(description="The prompt's id, or the response's.")
    prompt_id: int
    title: str = Field(description="The prompt's title (a response's: its prompt's).")
    snippet: str = Field(
        description="HTML: the matching passage, escaped, with each match inside <mark>."
    )
    rank: float = Field(description="Higher is better; comparable within one search only.")


class SearchPage(ReadSchema):
    """A page of matches, best first, and the cursor for the next page."""

    items: list[SearchHitRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
