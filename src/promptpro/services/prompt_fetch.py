"""Fetching a prompt by name at run time, as applications do, from an in-process cache.

An entry is keyed by (workspace, name, label or version) and holds the answer's JSON and
its ETag. Every change to a workspace's prompts (text, name, labels, deletion) forgets the
workspace's entries: at once in the process that committed it
(`storage.changes.subscribe`), and in every other through `NOTIFY promptpro_prompts`
(`fetch_listener`). While that listener is down the cache is off. A per-workspace
generation counter keeps an answer read before a change from being stored after it.

Who may read a workspace is cached too, for MEMBER_TTL_S: a member removed from a
workspace may fetch its prompts for up to that long (the token cache's bound).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from promptpro.db.models import PromptVersion
from promptpro.db.notify import PROMPT_CHANNEL, Listener
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.db.types import utcnow
from promptpro.errors import Invalid, NotFound
from promptpro.schemas.chat import readable_messages
from promptpro.schemas.labels import FetchedPrompt, SnippetUse
from promptpro.schemas.names import LATEST, check_label, check_prompt_name
from promptpro.services.templates import resolve_snippets, variables_in
from promptpro.storage import Storage

ENTRY_TTL_S = 300.0
MEMBER_TTL_S = 5.0
# last_fetched_at is written at most this often per prompt and process.
FETCH_RECORD_PRECISION_S = 60.0
NO_SUCH_WORKSPACE = "No such workspace."


@dataclass(frozen=True)
class Fetched:
    """A fetch's answer, ready to send."""

    body: bytes
    etag: str
    prompt_id: int


Key = tuple[int, str, str]


class FetchCache:
    """This process's fetched prompts, memberships and personal workspaces."""

    def __init__(
        self,
        ttl: float = ENTRY_TTL_S,
        member_ttl: float = MEMBER_TTL_S,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.member_ttl = member_ttl
        self.max_size = max_size
        self.clock = clock
        self.enabled = True
        self._entries: dict[Key, tuple[float, Fetched]] = {}
        self._generations: dict[int, int] = {}
        self._roles: dict[tuple[str, int], tuple[float, str]] = {}
        self._personal: dict[str, int] = {}
        self._recorded: dict[int, float] = {}
        # What a `prompt:<name>` model runs (services/openai_compat.py): versions are
        # immutable, so an entry stands until the workspace's prompts or labels change.
        self._sources: dict[Key, tuple[float, object]] = {}

    def generation(self, workspace_id: int) -> int:
        return self._generations.get(workspace_id, 0)

    def get(self, key: Key) -> Fetched | None:
        found = self._entries.get(key) if self.enabled else None
        if found is None:
            return None
        if found[0] <= self.clock():
            self._entries.pop(key, None)
            return None
        return found[1]

    def put(self, key: Key, value: Fetched, generation: int) -> None:
        """Keep an answer, unless the workspace changed since it was read."""
        if not self.enabled or self.generation(key[0]) != generation:
            return
        while len(self._entries) >= self.max_size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (self.clock() + self.ttl, value)

    def source(self, key: Key) -> object | None:
        """A cached run source for (workspace, name, selector), if fresh."""
        found = self._sources.get(key) if self.enabled else None
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put_source(self, key: Key, value: object, generation: int) -> None:
        """Keep a run source, unless the workspace changed since it was read."""
        if not self.enabled or self.generation(key[0]) != generation:
            return
        if len(self._sources) >= self.max_size:
            self._sources.clear()
        self._sources[key] = (self.clock() + self.ttl, value)

    def role(self, user_id: str, workspace_id: int) -> str | None:
        found = self._roles.get((user_id, workspace_id)) if self.enabled else None
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put_role(self, user_id: str, workspace_id: int, role: str) -> None:
        if self.enabled:
            if len(self._roles) >= self.max_size:
                self._roles.clear()
            self._roles[(user_id, workspace_id)] = (self.clock() + self.member_ttl, role)

    def personal(self, user_id: str) -> int | None:
        return self._personal.get(user_id)

    def put_personal(self, user_id: str, workspace_id: int) -> None:
        if len(self._personal) >= self.max_size:
            self._personal.clear()
        self._personal[user_id] = workspace_id  # a personal workspace never changes

    def forget_workspace(self, workspace_id: int) -> None:
        """The workspace's prompts changed: forget every answer about them."""
        self._generations[workspace_id] = self.generation(workspace_id) + 1
        for key in [key for key in self._entries if key[0] == workspace_id]:
            del self._entries[key]
        for key in [key for key in self._sources if key[0] == workspace_id]:
            del self._sources[key]

    def forget_message(self, payload: str) -> None:
        """A NOTIFY's payload: the workspace id."""
        if payload.isdigit():
            self.forget_workspace(int(payload))

    def listening(self, listening: bool) -> None:
        """Cache only while other processes' changes are heard of."""
        self.enabled = listening
        self._entries.clear()
        self._sources.clear()
        self._roles.clear()
        for workspace_id in list(self._generations):
            self._generations[workspace_id] += 1

    def recorded_recently(self, prompt_id: int) -> bool:
        """Whether `should_record` would say no now (it is asked without being counted)."""
        last = self._recorded.get(prompt_id)
        return last is not None and self.clock() - last < FETCH_RECORD_PRECISION_S

    def should_record(self, prompt_id: int) -> bool:
        """Whether to note this fetch in the prompt's last_fetched_at (once a minute)."""
        now = self.clock()
        last = self._recorded.get(prompt_id)
        if last is not None and now - last < FETCH_RECORD_PRECISION_S:
            return False
        if len(self._recorded) >= self.max_size:
            self._recorded.clear()
        self._recorded[prompt_id] = now
        return True


@asynccontextmanager
async def fetch_listener(database_url: str, cache: FetchCache) -> AsyncIterator[None]:
    """While open, prompt changes committed by any process reach `cache` (PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        yield
        return
    cache.listening(False)
    listener = Listener(database_url, PROMPT_CHANNEL, cache.forget_message, cache.listening)
    await listener.start()
    try:
        yield
    finally:
        await listener.stop()


def selector_of(label: str | None, version: int | None) -> str:
    """The cache key's part naming which version: `v3`, or `@label` (default production)."""
    if version is not None:
        if label is not None:
            raise Invalid("Ask for a label or a version, not both.", field="version")
        if not 0 < version < 2**31:
            raise Invalid("version must be a positive whole number.", field="version")
        return f"v{version}"
    label = label or "production"
    try:
        check_label(label)
    except ValueError as exc:
        raise Invalid(f"{exc}.", field="label") from None
    return f"@{label}"


async def load_version(
    storage: Storage, actor_id: str, workspace_id: int, name: str, selector: str | None
) -> tuple[int, int, PromptVersion, dict[str, int], int] | None:
    """(prompt id, version number, the version, labels, latest) for a name and a selector
    (`v3`, `@label`, or None: production, else the newest), None when missing."""
    prompt = await storage.get_prompt_by_name(actor_id, workspace_id, name)
    if prompt is None:
        return None
    labels = await storage.label_map(prompt.id)
    latest = await storage.latest_number(prompt.id)
    if selector is None:
        number: int | None = labels.get("production", latest)
    elif selector.startswith("v") and selector[1:].isdigit():
        number = int(selector[1:])
    else:
        label = selector.removeprefix("@")
        number = latest if label == LATEST else labels.get(label)
    if number is None:
        return None
    version = await storage.version_of(prompt.id, number)
    if version is None:
        return None
    return prompt.id, number, version, labels, latest


async def fetch_prompt(
    storage: Storage,
    cache: FetchCache,
    actor_id: str,
    name: str,
    *,
    label: str | None = None,
    version: int | None = None,
    workspace_id: int | None = None,
) -> Fetched:
    """The prompt `name` as an application needs it (from the cache when it can be)."""
    try:
        check_prompt_name(name)
    except ValueError as exc:
        raise Invalid(f"{exc}.", field="name") from None
    selector = selector_of(label, version)
    limit = storage.workspace_limit
    if limit is not None:
        # A token limited to a workspace fetches from it, and sees no other: decided here,
        # before the caches, which are keyed by user (not by token).
        if workspace_id is not None and workspace_id != limit:
            raise NotFound(NO_SUCH_WORKSPACE)
        workspace_id = limit
    elif workspace_id is None:
        workspace_id = cache.personal(actor_id)
        if workspace_id is None:
            workspace_id = await storage.personal_workspace_id(actor_id)
            cache.put_personal(actor_id, workspace_id)
    elif not 0 < workspace_id < 2**31:
        raise NotFound(NO_SUCH_WORKSPACE)
    if cache.role(actor_id, workspace_id) is None:
        role = await storage.role_in(actor_id, workspace_id)
        if role is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        cache.put_role(actor_id, workspace_id, role)
    key = (workspace_id, name, selector)
    hit = cache.get(key)
    if hit is not None:
        return hit
    generation = cache.generation(workspace_id)
    found = await load_version(storage, actor_id, workspace_id, name, selector)
    if found is None:
        what = f"version {selector[1:]}" if selector.startswith("v") else f"label {selector[1:]!r}"
        raise NotFound(f"No prompt named {name!r} with {what} in this workspace.")
    prompt_id, number, found_version, labels, latest = found

    async def load(snippet: str, snippet_selector: str | None) -> tuple[int, str] | None:
        sel = snippet_selector
        if sel is not None and not (sel.startswith("v") and sel[1:].isdigit()):
            sel = f"@{sel}"
        loaded = await load_version(storage, actor_id, workspace_id, snippet, sel)
        return None if loaded is None else (loaded[1], loaded[2].content)

    used: list[tuple[str, int]] = []

    async def include(content: str) -> str:
        resolved, found_here = await resolve_snippets(content, load, root=name)
        used.extend(item for item in found_here if item not in used)
        return resolved

    text = await include(found_version.content)
    messages = None
    if found_version.type == "chat" and found_version.messages:
        messages = [
            {**message, "content": await include(str(message["content"]))}
            for message in found_version.messages
        ]
        text = "\n".join(str(message["content"]) for message in messages)
    on_version = sorted(label for label, at in labels.items() if at == number)
    if number == latest:
        on_version.append(LATEST)
    answer = FetchedPrompt(
        name=name,
        type=found_version.type,
        version=number,
        labels=on_version,
        text=text if messages is None else readable_messages(messages),
        model=found_version.model,
        parameters=found_version.parameters,
        variables=variables_in(text),
        snippets=[SnippetUse(name=n, version=v) for n, v in used],
        messages=messages,
        schema=found_version.output_schema,
        tools=found_version.tools,
        prompt_id=prompt_id,
        workspace_id=workspace_id,
    )
    body = answer.model_dump_json(by_alias=True).encode()
    fetched = Fetched(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', prompt_id)
    cache.put(key, fetched, generation)
    return fetched


def cached_fetch(
    cache: FetchCache,
    actor_id: str,
    workspace_limit: int | None,
    name: str,
    *,
    label: str | None = None,
    version: int | None = None,
    workspace_id: int | None = None,
) -> Fetched | None:
    """What `fetch_prompt` would answer from the cache alone, with nothing to record; None
    whenever it would read the database, refuse the fetch or note it in last_fetched_at.

    The fetch fast path's (`api/fetch_fast.py`) half of `fetch_prompt`: the same checks
    in the same order, each of its misses and errors a None here (the ordinary path then
    answers). `workspace_limit` is the token's workspace, as `storage.workspace_limit`.
    """
    try:
        check_prompt_name(name)
        selector = selector_of(label, version)
    except (ValueError, Invalid):
        return None
    if workspace_limit is not None:
        if workspace_id is not None and workspace_id != workspace_limit:
            return None
        workspace_id = workspace_limit
    elif workspace_id is None:
        workspace_id = cache.personal(actor_id)
        if workspace_id is None:
            return None
    if cache.role(actor_id, workspace_id) is None:
        return None
    hit = cache.get((workspace_id, name, selector))
    if hit is None or not cache.recorded_recently(hit.prompt_id):
        return None
    return hit


async def record_fetch(factory: SessionFactory, prompt_id: int) -> None:
    """Note in its own unit of work (after the answer left) that a prompt was fetched."""
    async with unit_of_work(factory) as session:
        await Storage(session).record_fetched(prompt_id, utcnow(), FETCH_RECORD_PRECISION_S)
