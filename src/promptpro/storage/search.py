"""Full-text search over the owner's prompts (title, content) and responses (content).

Each database searches with its own engine: PostgreSQL with `to_tsvector('simple', …)`
under GIN indexes (migration 0005; the expressions here must stay identical to the
indexed ones), SQLite with the FTS5 tables its triggers keep. Both rank (higher is
better), page by (rank, kind, id) and mark matches in snippets with two private-use
characters, which `highlight` turns into `<mark>` around HTML-escaped text.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

import sqlalchemy as sa

from promptpro.errors import Invalid
from promptpro.storage.base import StorageBase, check_limit
from promptpro.storage.pagination import MAX_ID

SearchKind = Literal["prompt", "response"]
# Snippet markers: private-use characters, so no real text is taken for one by accident
# (and `highlight` stays safe when a text does contain them).
START, STOP = "\ue000", "\ue001"
# In the ordering a prompt comes before a response of the same rank.
_KIND_ORDER = {"prompt": 1, "response": 0}
_KIND_NAMES: dict[int, SearchKind] = {1: "prompt", 0: "response"}

# Identical to migration 0005's index expressions (PostgreSQL matches them as written).
_PROMPT_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, p.title), 'A'::\"char\")"
    " || setweight(to_tsvector('simple'::regconfig, p.content), 'B'::\"char\"))"
)
_RESPONSE_VECTOR = "to_tsvector('simple'::regconfig, r.content)"
_HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)

# The workspaces the acting user (:owner) belongs to: every match is scoped by it.
# (:ws: the one workspace a limited access token sees, or 0 for all of them.)
_MEMBER_OF = (
    "(SELECT m.workspace_id FROM workspace_members m"
    " WHERE m.user_id = :owner AND (m.workspace_id = :ws OR :ws = 0))"
)
# The same, narrowed to one workspace (:workspace) when the search asks for one.
_MEMBER_OF_ONE = (
    "(SELECT m.workspace_id FROM workspace_members m"
    " WHERE m.user_id = :owner AND m.workspace_id = :workspace"
    " AND (m.workspace_id = :ws OR :ws = 0))"
)

# Built from constants only (the user's words are always bound parameters).
_POSTGRES_MATCHES = {
    "prompt": f"""
        SELECT 1 AS kind, p.id AS id, p.id AS prompt_id,
               ts_rank({_PROMPT_VECTOR}, query)::float8 AS rank
        FROM prompts p, plainto_tsquery('simple'::regconfig, :q) query
        WHERE p.workspace_id IN {_MEMBER_OF} AND {_PROMPT_VECTOR} @@ query""",  # noqa: S608
    # The owner check is a subquery per match, not a join: with a join PostgreSQL may
    # hash every one of the user's prompts before it looks at the (few) matches.
    "response": f"""
        SELECT 0 AS kind, r.id AS id, r.prompt_id AS prompt_id,
               ts_rank({_RESPONSE_VECTOR}, query)::float8 AS rank
        FROM responses r, plainto_tsquery('simple'::regconfig, :q) query
        WHERE {_RESPONSE_VECTOR} @@ query
          AND (SELECT p.workspace_id FROM prompts p WHERE p.id = r.prompt_id) IN {_MEMBER_OF}""",  # noqa: S608
}
_SQLITE_MATCHES = {
    # bm25 is lower-is-better; its negation ranks like ts_rank. Title matches weigh more.
    "prompt": f"""
        SELECT 1 AS kind, p.id AS id, p.id AS prompt_id,
               -bm25(prompts_fts, 4.0, 1.0) AS rank,
               snippet(prompts_fts, -1, '{START}', '{STOP}', ' … ', 24) AS snippet
        FROM prompts_fts JOIN prompts p ON p.id = prompts_fts.rowid
        WHERE prompts_fts MATCH :q AND p.workspace_id IN {_MEMBER_OF}""",  # noqa: S608
    "response": f"""
        SELECT 0 AS kind, r.id AS id, r.prompt_id AS prompt_id,
               -bm25(responses_fts) AS rank,
               snippet(responses_fts, 0, '{START}', '{STOP}', ' … ', 24) AS snippet
        FROM responses_fts JOIN responses r ON r.id = responses_fts.rowid
             JOIN prompts p ON p.id = r.prompt_id
        WHERE responses_fts MATCH :q AND p.workspace_id IN {_MEMBER_OF}""",  # noqa: S608
}
_POSTGRES_HEADLINES = {
    "prompt": f"""
        SELECT p.id, ts_headline('simple'::regconfig, p.content, query, :options)
        FROM prompts p, plainto_tsquery('simple'::regconfig, :q) query
        WHERE p.workspace_id IN {_MEMBER_OF} AND p.id IN :ids""",  # noqa: S608
    "response": f"""
        SELECT r.id, ts_headline('simple'::regconfig, r.content, query, :options)
        FROM responses r JOIN prompts p ON p.id = r.prompt_id,
             plainto_tsquery('simple'::regconfig, :q) query
        WHERE p.workspace_id IN {_MEMBER_OF} AND r.id IN :ids""",  # noqa: S608
}
_AFTER = " WHERE (rank < :after_rank) OR (rank = :after_rank AND kind < :after_kind)" + (
    " OR (rank = :after_rank AND kind = :after_kind AND id < :after_id)"
)


@dataclass(frozen=True)
class SearchHit:
    """One match: what it is, where it belongs, and its marked snippet (raw text)."""

    kind: SearchKind
    id: int
    prompt_id: int
    title: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class SearchKeyset:
    """The position after the last hit of a page: (rank, kind, id), all descending."""

    rank: float
    kind: int
    id: int

    def encode(self) -> str:
        """An opaque, URL-safe cursor."""
        raw = json.dumps([self.rank, self.kind, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> SearchKeyset:
        """Read a cursor made by `encode`, refusing anything else as invalid."""
        invalid = Invalid("The cursor is not one this server made.", field="cursor")
        if len(cursor) > 200:
            raise invalid
        try:
            rank, kind, row_id = json.loads(
                base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            )
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
            raise invalid from None
        if isinstance(rank, bool) or not isinstance(rank, int | float):
            raise invalid
        if not math.isfinite(rank) or kind not in _KIND_NAMES or isinstance(kind, bool):
            raise invalid
        if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
            raise invalid
        return cls(float(rank), kind, row_id)


def fts5_query(text: str) -> str | None:
    """The words of `text` as an FTS5 query that matches all of them (None: no words).

    Each word is quoted, so nothing the user types is read as FTS5 syntax.
    """
    words = re.findall(r"\w+", text)
    return " ".join(f'"{word}"' for word in words[:32]) or None


def highlight(snippet: str) -> str:
    """The snippet as safe HTML: every piece escaped, matches inside `<mark>`.

    Markers that don't pair up (a text may contain the characters itself) are dropped.
    """
    out: list[str] = []
    inside = False
    for piece in re.split(f"([{START}{STOP}])", snippet):
        if piece == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(escape(piece, quote=True))
    if inside:
        out.append("</mark>")
    return "".join(out)


class SearchStorage(StorageBase):
    """Ranked full-text search, scoped to the owner's prompts and their responses."""

    async def search(
        self,
        owner_id: str,
        text: str,
        *,
        kind: SearchKind | None = None,
        limit: int = 20,
        after: SearchKeyset | None = None,
        workspace_id: int | None = None,
    ) -> tuple[list[SearchHit], SearchKeyset | None]:
        """A page of matches, best first, and the position after it (None: the last page);
        in one of the owner's workspaces when `workspace_id` is given, else in all."""
        check_limit(limit)
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        query: str | None = text
        if sqlite:
            query = fts5_query(text)
            if query is None:
                return [], None
        kinds: list[SearchKind] = [kind] if kind else ["prompt", "response"]
        matches = _SQLITE_MATCHES if sqlite else _POSTGRES_MATCHES
        union = " UNION ALL ".join(matches[name] for name in kinds)
        if workspace_id is not None:
            union = union.replace(_MEMBER_OF, _MEMBER_OF_ONE)
        # MATERIALIZED: SQLite must not push the cursor's condition on `rank` into the FTS5
        # query (its auxiliary functions are only valid in the result columns).
        materialized = "MATERIALIZED " if sqlite else ""
        params: dict[str, Any] = {"q": query, "owner": owner_id, "limit": limit + 1}
        params["ws"] = self.workspace_limit or 0
        if workspace_id is not None:
            params["workspace"] = workspace_id
        after_clause = ""
        if after is not None:
            after_clause = _AFTER
            params.update(after_rank=after.rank, after_kind=after.kind, after_id=after.id)
        order = "ORDER BY rank DESC, kind DESC, id DESC"
        # The titles are read for the page's hits only.
        statement = (
            f"WITH hits AS {materialized}({union}) "  # noqa: S608
            "SELECT page.*, (SELECT t.title FROM prompts t WHERE t.id = page.prompt_id) AS title"
            f" FROM (SELECT * FROM hits{after_clause} {order} LIMIT :limit) page {order}"
        )
        rows = (await self._execute(sa.text(statement), params)).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        snippets = (
            {(row["kind"], row["id"]): row["snippet"] for row in rows}
            if sqlite
            else await self._headlines(owner_id, text, rows)
        )
        hits = [
            SearchHit(
                kind=_KIND_NAMES[row["kind"]],
                id=row["id"],
                prompt_id=row["prompt_id"],
                title=row["title"],
                snippet=snippets.get((row["kind"], row["id"]), ""),
                rank=float(row["rank"]),
            )
            for row in rows
        ]
        last = rows[-1] if more else None
        cursor = SearchKeyset(float(last["rank"]), last["kind"], last["id"]) if last else None
        return hits, cursor

    async def _headlines(self, owner_id: str, text: str, rows: Any) -> dict[tuple[int, int], str]:
        """PostgreSQL's marked snippets, for the page's hits only (ts_headline is costly)."""
        found: dict[tuple[int, int], str] = {}
        for name, order in _KIND_ORDER.items():
            ids = [row["id"] for row in rows if row["kind"] == order]
            if not ids:
                continue
            statement = sa.text(_POSTGRES_HEADLINES[name]).bindparams(
                sa.bindparam("ids", expanding=True)
            )
            params = {
                "q": text,
                "owner": owner_id,
                "ids": ids,
                "options": _HEADLINE_OPTIONS,
                "ws": self.workspace_limit or 0,
            }
            for row_id, headline in (await self._execute(statement, params)).all():
                found[(order, row_id)] = headline
        return found
