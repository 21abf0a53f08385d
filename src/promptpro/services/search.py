"""Finding things: ranked full-text search over one user's prompts and responses."""

from __future__ import annotations

from promptpro.errors import Invalid
from promptpro.schemas.search import SearchHitRead, SearchPage
from promptpro.storage import Storage
from promptpro.storage.pagination import MAX_ID
from promptpro.storage.search import SearchKeyset, SearchKind, highlight

MAX_SEARCH_LENGTH = 200
DEFAULT_SEARCH_PAGE = 20
MAX_SEARCH_PAGE = 50
KINDS: tuple[SearchKind, ...] = ("prompt", "response")


class SearchService:
    """Search for one acting user: only their prompts and their prompts' responses."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        limit: int = DEFAULT_SEARCH_PAGE,
        cursor: str | None = None,
        workspace_id: int | None = None,
    ) -> SearchPage:
        """A page of matches for the words of `q`, best first (every word must match), in
        every workspace of the user's or in one (none if they are not in it)."""
        text = q.strip()
        if not text:
            raise Invalid("Type something to search for.", field="q")
        if len(q) > MAX_SEARCH_LENGTH:
            raise Invalid(f"q must be at most {MAX_SEARCH_LENGTH} characters.", field="q")
        if "\x00" in q:
            raise Invalid("q must not contain the NUL character.", field="q")
        if kind is not None and kind not in KINDS:
            raise Invalid("kind must be prompt or response.", field="kind")
        if workspace_id is not None and not 0 < workspace_id <= MAX_ID:
            raise Invalid("No such workspace.", field="workspaceId")
        if not 1 <= limit <= MAX_SEARCH_PAGE:
            raise Invalid(f"limit must be between 1 and {MAX_SEARCH_PAGE}.", field="limit")
        after = SearchKeyset.decode(cursor) if cursor is not None else None
        hits, more = await self.storage.search(
            self.owner_id,
            text,
            kind="prompt" if kind == "prompt" else "response" if kind == "response" else None,
            limit=limit,
            after=after,
            workspace_id=workspace_id,
        )
        return SearchPage(
            items=[
                SearchHitRead(
                    kind=hit.kind,
                    id=hit.id,
                    prompt_id=hit.prompt_id,
                    title=hit.title,
                    snippet=highlight(hit.snippet),
                    rank=hit.rank,
                )
                for hit in hits
            ],
            next_cursor=more.encode() if more else None,
        )
