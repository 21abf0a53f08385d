"""Prompts: the user's library, its search and paging, and each prompt's version history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from promptpro.db.models import Prompt
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.chat import readable_messages
from promptpro.schemas.library import (
    PromptCreate,
    PromptRead,
    PromptUpdate,
    PromptVersionRead,
    normalise_tags,
)
from promptpro.schemas.pages import PromptPage
from promptpro.services import audit
from promptpro.services.audit import Action
from promptpro.services.workspaces import require_in, target_workspace
from promptpro.storage import Keyset, Storage
from promptpro.storage.pagination import MAX_ID, MAX_VALUE_CURSOR_LENGTH, ValueKeyset
from promptpro.storage.prompts import PromptSort

# The provider part of a `provider/model` id must name one of these.
KNOWN_PROVIDERS = frozenset({"openai", "anthropic", "gemini", "xai"})
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_CURSOR_LENGTH = MAX_VALUE_CURSOR_LENGTH
MAX_TAG_FILTERS = 10
NO_SUCH_PROMPT = "No such prompt."
SORTS: tuple[str, ...] = get_args(PromptSort)


def page_size(limit: int) -> int:
    """The page size asked for, if it is between 1 and MAX_PAGE_SIZE."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", field="limit")
    return limit


def page_after(cursor: str | None) -> Keyset | None:
    """Where the page asked for starts: after the row a cursor of ours names, or at the top."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise Invalid("The cursor is not one this server made.", field="cursor")
    return Keyset.decode(cursor)


def sorted_page_after(cursor: str | None, sort: PromptSort) -> Keyset | ValueKeyset | None:
    """Where a page in `sort` order starts: the cursor's key must be of that sort's kind."""
    if sort in ("updated", "created") or cursor is None:
        return page_after(cursor)
    return ValueKeyset.decode(cursor, str if sort == "title" else int)


def check_sort(sort: str) -> PromptSort:
    """The sort asked for, if it is one of the library's."""
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}.", field="sort")
    return sort  # type: ignore[return-value]


def tag_filter(tags: Sequence[str]) -> list[str]:
    """The tags to filter by, normalised as stored (a bad one is Invalid, naming `tag`)."""
    if len(tags) > MAX_TAG_FILTERS:
        raise Invalid(f"Filter by at most {MAX_TAG_FILTERS} tags.", field="tag")
    try:
        return normalise_tags(list(tags))
    except ValueError as exc:
        raise Invalid(f"tag: {exc}.", field="tag") from None


def search_text(q: str | None) -> str | None:
    """The search text to match, None when there is nothing to search for."""
    if q is None or not q.strip():
        return None
    if len(q) > MAX_QUERY_LENGTH:
        raise Invalid(f"q must be at most {MAX_QUERY_LENGTH} characters.", field="q")
    if "\x00" in q:
        raise Invalid("q must not contain the NUL character.", field="q")
    return q.strip()


async def check_model(storage: Storage, actor_id: str, model: str | None) -> None:
    """Refuse a `provider/model` id whose provider is neither one PromptPro knows nor the
    name of an own endpoint in one of the actor's workspaces (which one: decided at run)."""
    if model is None:
        return
    provider = model.partition("/")[0]
    if provider not in KNOWN_PROVIDERS and not await storage.endpoint_name_known(
        actor_id, provider
    ):
        known = ", ".join(sorted(KNOWN_PROVIDERS))
        raise Invalid(
            f"Unknown provider {provider!r} in model: use one of {known}, or the name of one "
            "of your endpoints.",
            field="model",
        )


def settle_type(current: Prompt, changes: PromptUpdate) -> PromptUpdate:
    """The change, made whole for the prompt's type once it is applied.

    A chat prompt keeps at least one message, and its content follows its messages; a text
    prompt has no messages. Sending messages alone makes (or keeps) a prompt chat.
    """
    sent = changes.model_fields_set
    kind: str
    if changes.type is not None:
        kind = changes.type
    elif "messages" in sent and changes.messages is not None:
        kind = "chat"
    else:
        kind = current.type
    if kind == "chat":
        if "messages" in sent:
            messages = [m.model_dump() for m in changes.messages or ()]
        else:
            messages = list(current.messages or ())
        if not messages:
            raise Invalid("A chat prompt needs at least one message.", field="messages")
        content = readable_messages(messages)
        return changes.model_copy(
            update={"type": "chat", "messages": changes.messages, "content": content}
            if "messages" in sent
            else {"type": "chat", "content": content}
        )
    if "messages" in sent and changes.messages is not None:
        raise Invalid('Messages go with type "chat"; a text prompt has content.', field="messages")
    return changes.model_copy(update={"type": "text", "messages": None})


class PromptService:
    """The prompt rules for one acting user."""

    def __init__(self, storage: Storage, owner_id: str) -> None:
        self.storage = storage
        self.owner_id = owner_id

    async def list_prompts(
        self,
        *,
        workspace_id: int | None = None,
        category_id: int | None = None,
        q: str | None = None,
        tags: Sequence[str] = (),
        favourite: bool | None = None,
        sort: str = "updated",
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> PromptPage:
        """A page of one workspace's prompts (None: the user's personal one) in `sort` order,
        filtered by category, text and tags; a workspace the user is not in lists nothing."""
        limit = page_size(limit)
        order = check_sort(sort)
        after = sorted_page_after(cursor, order)
        text = search_text(q)
        wanted_tags = tag_filter(tags)
        if category_id is not None and not 0 < category_id <= MAX_ID:
            return PromptPage(items=[], next_cursor=None)  # no category has such an id
        if workspace_id is None:
            workspace_id = await self.storage.personal_workspace_id(self.owner_id)
        elif not 0 < workspace_id <= MAX_ID:
            return PromptPage(items=[], next_cursor=None)
        page = await self.storage.list_prompts(
            self.owner_id,
            workspace_id=workspace_id,
            category_id=category_id,
            q=text,
            tags=wanted_tags,
            favourite=favourite,
            sort=order,
            limit=limit,
            after=after,
        )
        return PromptPage(
            items=await self._reads(page.items),
            next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        )

    async def _reads(self, prompts: Sequence[Prompt]) -> list[PromptRead]:
        """The prompts as read, with their tags and favourite marks (two queries in all)."""
        ids = [prompt.id for prompt in prompts]
        tags = await self.storage.tags_of(ids)
        starred = await self.storage.favourites_among(self.owner_id, ids)
        labels = await self.storage.labels_of_prompts(ids)
        return [
            PromptRead.model_validate(prompt).model_copy(
                update={
                    "tags": tags.get(prompt.id, []),
                    "favourite": prompt.id in starred,
                    "labels": dict(sorted(labels.get(prompt.id, {}).items())),
                }
            )
            for prompt in prompts
        ]

    async def _require(self, prompt_id: int, action: str) -> Prompt:
        """The prompt, if the user may do `action` in its workspace (NotFound: not in
        any of the user's workspaces; Forbidden: their role does not allow it)."""
        prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        await require_in(self.storage, self.owner_id, prompt.workspace_id, action)
        return prompt

    async def _read(self, prompt: Prompt) -> PromptRead:
        return (await self._reads([prompt]))[0]

    async def set_favourite(self, prompt_id: int, favourite: bool) -> PromptRead:
        """Star or unstar one of the user's prompts."""
        if not await self.storage.set_favourite(self.owner_id, prompt_id, favourite):
            raise NotFound(NO_SUCH_PROMPT)
        return await self.get_prompt(prompt_id)

    async def get_prompt(self, prompt_id: int) -> PromptRead:
        """One of the user's prompts, or NotFound."""
        prompt = await self.storage.get_prompt(self.owner_id, prompt_id)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        return await self._read(prompt)

    async def create_prompt(self, data: PromptCreate) -> PromptRead:
        """A new prompt, saved as version 1; its category must be the user's own."""
        await check_model(self.storage, self.owner_id, data.model)
        workspace_id = await target_workspace(self.storage, self.owner_id, data.workspace_id)
        prompt = await self.storage.create_prompt(self.owner_id, data, workspace_id)
        await self.storage.prompts_changed(workspace_id)  # a snippet may name it already
        return await self._read(prompt)

    async def update_prompt(self, prompt_id: int, changes: PromptUpdate) -> PromptRead:
        """Change a prompt; a changed title, content, model or parameters adds a version."""
        await check_model(self.storage, self.owner_id, changes.model)
        current = await self._require(prompt_id, "library.write")
        workspace_id = current.workspace_id
        changes = settle_type(current, changes)
        prompt = await self.storage.update_prompt(self.owner_id, prompt_id, changes)
        if prompt is None:
            raise NotFound(NO_SUCH_PROMPT)
        await self.storage.prompts_changed(workspace_id)
        # What the user's editor draft held is saved now (or deliberately replaced).
        await self.storage.delete_draft(self.owner_id, prompt_id)
        return await self._read(prompt)

    async def delete_prompt(self, prompt_id: int) -> None:
        """Delete one of the user's prompts with its versions and responses."""
        workspace_id = (await self._require(prompt_id, "library.write")).workspace_id
        if not await self.storage.delete_prompt(self.owner_id, prompt_id):
            raise NotFound(NO_SUCH_PROMPT)
        await self.storage.prompts_changed(workspace_id)
        await audit.record(
            self.storage,
            Action.PROMPT_DELETED,
            f"Deleted prompt {prompt_id}",  # by id: a title may be as private as the text
            actor_id=self.owner_id,
            object_type="prompt",
            object_id=prompt_id,
            workspace_id=workspace_id,
        )

    async def list_versions(self, prompt_id: int) -> list[PromptVersionRead]:
        """Every saved version of one of the user's prompts, newest first."""
        versions = await self.storage.list_prompt_versions(self.owner_id, prompt_id)
        if versions is None:
            raise NotFound(NO_SUCH_PROMPT)
        return [PromptVersionRead.model_validate(version) for version in versions]
