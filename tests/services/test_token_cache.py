"""The in-process token cache: trusted for a few seconds, forgotten at once when told."""

from __future__ import annotations

from promptpro.db.models import User
from promptpro.services.tokens import TokenCache
from promptpro.storage.access_tokens import TokenUser


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def entry(user_id: str = "u1", token_id: int = 1) -> TokenUser:
    return TokenUser(token_id, None, None, User(id=user_id, username=user_id))


def test_an_entry_is_trusted_for_the_ttl_only() -> None:
    # What another worker process revoked is refused here within `ttl` seconds.
    clock = Clock()
    cache = TokenCache(ttl=5, clock=clock)
    cache.put("h1", entry())
    clock.now += 4.9
    assert cache.get("h1") is not None
    clock.now += 0.2
    assert cache.get("h1") is None
    assert len(cache) == 0


def test_forgetting_a_user_drops_their_entries_and_keeps_them_out_for_the_ttl() -> None:
    clock = Clock()
    cache = TokenCache(ttl=5, clock=clock)
    cache.put("h1", entry("u1", 1))
    cache.put("h2", entry("u1", 2))
    cache.put("h3", entry("u2", 3))
    cache.forget_user("u1")
    assert cache.get("h1") is None and cache.get("h2") is None
    assert cache.get("h3") is not None
    # A request that read the token before the revocation committed can't put it back.
    cache.put("h1", entry("u1", 1))
    assert cache.get("h1") is None
    clock.now += 5.1
    cache.put("h1", entry("u1", 1))
    assert cache.get("h1") is not None


def test_the_oldest_entry_makes_room() -> None:
    cache = TokenCache(ttl=5, max_size=2, clock=Clock())
    for name in ("h1", "h2", "h3"):
        cache.put(name, entry(name))
    assert cache.get("h1") is None
    assert cache.get("h2") is not None and cache.get("h3") is not None


def test_a_ttl_of_zero_caches_nothing() -> None:
    cache = TokenCache(ttl=0, clock=Clock())
    cache.put("h1", entry())
    assert cache.get("h1") is None
