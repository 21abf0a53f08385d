"""Provider keys: per user, stored only as ciphertext, shown as a hint, rotated losing none."""

from __future__ import annotations

import base64
import os
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from promptpro.db.models import ApiKeys
from promptpro.db.session import SessionFactory, unit_of_work
from promptpro.errors import Invalid, KeyUnavailable, NeedsKey
from promptpro.schemas.keys import KeyProvider
from promptpro.schemas.users import UserCreate
from promptpro.security.vault import Vault, key_id, key_id_of
from promptpro.services.key_rotation import rotate_all, stored_key_ids
from promptpro.services.keys import KeyService, key_hint
from promptpro.storage import Storage

KEY_A, KEY_B, KEY_C = os.urandom(32), os.urandom(32), os.urandom(32)
OPENAI_KEY = "sk-proj-Hq2Lx9VtC4mWz7KbN1sRj5Df"
ANTHROPIC_KEY = "sk-ant-api03-Pw6Ty1GuZ8xQo3VnE4aBm9Lc"
GEMINI_KEY = "AIzaSyD4f7Gh2Jk9Lm3Np6Qr8St1Uv5Wx0Yz"
XAI_KEY = "xai-Rb7Nc2Md5Fe8Gf1Hg4Jh6Kj9Lk3Ml0Nn"


async def new_user(factory: SessionFactory, username: str) -> str:
    async with unit_of_work(factory) as session:
        return (await Storage(session).create_user(UserCreate(username=username))).id


async def set_keys(factory: SessionFactory, vault: Vault, owner_id: str, **keys: str) -> None:
    async with unit_of_work(factory) as session:
        service = KeyService(Storage(session), vault, owner_id)
        for provider, key in keys.items():
            await service.set_key(provider, key)


async def key_of(factory: SessionFactory, vault: Vault, owner_id: str, provider: str) -> str:
    async with unit_of_work(factory) as session:
        return await KeyService(Storage(session), vault, owner_id).decrypted_key(provider)


async def rotate(factory: SessionFactory, vault: Vault) -> int:
    async with unit_of_work(factory) as session:
        return await rotate_all(Storage(session), vault)


async def ciphertexts(factory: SessionFactory) -> list[str]:
    async with factory() as session:
        rows = await Storage(session).list_all_api_keys()
    columns = ("openai_key", "anthropic_key", "gemini_key", "xai_key")
    return [getattr(row, c) for row in rows for c in columns if getattr(row, c) is not None]


async def everything_stored(engine: AsyncEngine) -> bytes:
    """Every column of every row of every table as text, and on SQLite the raw files too."""

    def table_columns(connection: sa.Connection) -> dict[str, list[str]]:
        inspector = sa.inspect(connection)
        return {
            t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names()
        }

    found: list[bytes] = []
    async with engine.connect() as connection:
        tables = await connection.run_sync(table_columns)
        assert "api_keys" in tables
        for table, columns in tables.items():
            casts = ", ".join(f'CAST("{column}" AS TEXT)' for column in columns)
            rows = await connection.execute(sa.text(f'SELECT {casts} FROM "{table}"'))
            found.extend(str(value).encode() for row in rows for value in row)
    if engine.url.get_backend_name() == "sqlite":
        database = Path(str(engine.url.database))
        for path in database.parent.glob(f"{database.name}*"):  # the file, -wal and -shm
            found.append(path.read_bytes())
    return b"\n".join(found)


def spellings(secret: str) -> list[bytes]:
    """The secret, its secret part, and their base64 in both alphabets."""
    raw = [secret.encode(), secret[8:].encode()]
    encoded = [
        codec(value).rstrip(b"=")
        for value in raw
        for codec in (base64.b64encode, base64.urlsafe_b64encode)
    ]
    return raw + encoded


# Hints


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        (OPENAI_KEY, "sk-proj-…" + OPENAI_KEY[-4:]),
        (ANTHROPIC_KEY, "sk-ant-…" + ANTHROPIC_KEY[-4:]),
        (GEMINI_KEY, "AIza…" + GEMINI_KEY[-4:]),
        (XAI_KEY, "xai-…" + XAI_KEY[-4:]),
        ("sk-" + "a" * 17 + "wxyz", "sk-…wxyz"),
        ("plainkeywithnoprefix1234", "…1234"),
        ("sk-abcdefghijkwxyz", "…wxyz"),  # the prefix too would leave under 12 hidden
        ("abcdefghijklmno", "…"),  # short keys show nothing at all
    ],
)
def test_a_hint_shows_a_public_prefix_and_the_last_four_keeping_twelve_hidden(
    key: str, hint: str
) -> None:
    assert key_hint(key) == hint
    assert len(key) - len(hint.replace("…", "")) >= 12


# One user's keys


async def test_a_stored_key_is_listed_with_its_hint_and_the_others_as_not_set(
    session_factory: SessionFactory,
) -> None:
    vault = Vault([KEY_A])
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, vault, ada, openai=OPENAI_KEY)
    async with unit_of_work(session_factory) as session:
        listed = await KeyService(Storage(session), vault, ada).list_keys()
    assert [k.provider for k in listed] == list(KeyProvider)
    openai, *others = listed
    assert (openai.configured, openai.hint, openai.error) == (True, key_hint(OPENAI_KEY), None)
    assert openai.updated_at is not None and openai.updated_at.tzinfo is not None
    assert all((k.configured, k.hint, k.updated_at) == (False, None, None) for k in others)


async def test_setting_a_key_again_replaces_it(session_factory: SessionFactory) -> None:
    vault = Vault([KEY_A])
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, vault, ada, openai=OPENAI_KEY)
    await set_keys(session_factory, vault, ada, openai="sk-proj-Replacement0123456789")
    assert await key_of(session_factory, vault, ada, "openai") == "sk-proj-Replacement0123456789"


async def test_a_removed_key_is_gone_and_removing_it_again_is_harmless(
    session_factory: SessionFactory,
) -> None:
    vault = Vault([KEY_A])
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, vault, ada, openai=OPENAI_KEY, xai=XAI_KEY)
    for _ in range(2):
        async with unit_of_work(session_factory) as session:
            await KeyService(Storage(session), vault, ada).remove_key("openai")
    with pytest.raises(NeedsKey, match="PUT /api/v1/keys/openai"):
        await key_of(session_factory, vault, ada, "openai")
    assert await key_of(session_factory, vault, ada, "xai") == XAI_KEY


async def test_removing_a_key_never_set_writes_nothing(session_factory: SessionFactory) -> None:
    ada = await new_user(session_factory, "ada")
    async with unit_of_work(session_factory) as session:
        await KeyService(Storage(session), Vault([KEY_A]), ada).remove_key("gemini")
        assert await Storage(session).get_api_keys(ada) is None


async def test_a_missing_key_says_where_to_add_one(session_factory: SessionFactory) -> None:
    ada = await new_user(session_factory, "ada")
    with pytest.raises(NeedsKey) as raised:
        await key_of(session_factory, Vault([KEY_A]), ada, "anthropic")
    assert raised.value.provider == "anthropic"
    assert "Settings" in raised.value.detail


async def test_an_unknown_provider_is_invalid(session_factory: SessionFactory) -> None:
    ada = await new_user(session_factory, "ada")
    with pytest.raises(Invalid, match="use one of openai, anthropic, gemini, xai"):
        await set_keys(session_factory, Vault([KEY_A]), ada, mistral="m-1234567890abcdef")


async def test_each_user_has_their_own_keys(session_factory: SessionFactory) -> None:
    vault = Vault([KEY_A])
    ada, bob = await new_user(session_factory, "ada"), await new_user(session_factory, "bob")
    await set_keys(session_factory, vault, ada, openai=OPENAI_KEY)
    await set_keys(session_factory, vault, bob, openai="sk-proj-BobsOwnKey0123456789")
    assert await key_of(session_factory, vault, ada, "openai") == OPENAI_KEY
    assert await key_of(session_factory, vault, bob, "openai") == "sk-proj-BobsOwnKey0123456789"
    async with unit_of_work(session_factory) as session:
        assert await KeyService(Storage(session), vault, bob).configured_providers() == {"openai"}
        rows = await Storage(session).list_all_api_keys()
    assert sorted(row.user_id for row in rows) == sorted([ada, bob])


async def test_a_key_whose_master_key_is_gone_is_listed_with_the_fix_and_refused_for_use(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY)
    without_a = Vault([KEY_B])
    async with unit_of_work(session_factory) as session:
        openai = (await KeyService(Storage(session), without_a, ada).list_keys())[0]
    assert (openai.configured, openai.hint) == (True, None)
    assert openai.error is not None
    assert "PROMPTPRO_ENCRYPTION_KEYS" in openai.error
    with pytest.raises(KeyUnavailable, match=key_id(KEY_A)):
        await key_of(session_factory, without_a, ada, "openai")


async def test_a_ciphertext_moved_to_another_user_is_refused(
    session_factory: SessionFactory,
) -> None:
    vault = Vault([KEY_A])
    ada, bob = await new_user(session_factory, "ada"), await new_user(session_factory, "bob")
    await set_keys(session_factory, vault, ada, openai=OPENAI_KEY)
    (stolen,) = await ciphertexts(session_factory)
    async with unit_of_work(session_factory) as session:
        await Storage(session).save_api_keys(bob, {"openai": stolen})
    with pytest.raises(KeyUnavailable, match="damaged"):
        await key_of(session_factory, vault, bob, "openai")


# Rotation


async def test_rotation_moves_rows_under_several_old_keys_to_the_first_losing_none(
    session_factory: SessionFactory,
) -> None:
    under_a, under_b = Vault([KEY_A]), Vault([KEY_B, KEY_A])
    ada, bob, cy = [await new_user(session_factory, name) for name in ("ada", "bob", "cyd")]
    await set_keys(session_factory, under_a, ada, openai=OPENAI_KEY, gemini=GEMINI_KEY)
    await set_keys(session_factory, under_a, bob, anthropic=ANTHROPIC_KEY)
    await set_keys(session_factory, under_b, bob, xai=XAI_KEY)  # one row under two keys
    await set_keys(session_factory, under_b, cy, openai="sk-proj-CysKeyUnderB0123456")
    ids = {key_id_of(c) for c in await ciphertexts(session_factory)}
    assert ids == {key_id(KEY_A), key_id(KEY_B)}

    vault = Vault([KEY_C, KEY_B, KEY_A])
    seen: list[tuple[int, int]] = []
    async with unit_of_work(session_factory) as session:
        changed = await rotate_all(Storage(session), vault, lambda *step: seen.append(step))
    assert changed == 3
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert {key_id_of(c) for c in await ciphertexts(session_factory)} == {key_id(KEY_C)}

    only_c = Vault([KEY_C])
    expected = {
        (ada, "openai"): OPENAI_KEY,
        (ada, "gemini"): GEMINI_KEY,
        (bob, "anthropic"): ANTHROPIC_KEY,
        (bob, "xai"): XAI_KEY,
        (cy, "openai"): "sk-proj-CysKeyUnderB0123456",
    }
    for (owner, provider), key in expected.items():
        assert await key_of(session_factory, only_c, owner, provider) == key
    assert await stored_key_ids_now(session_factory) == {key_id(KEY_C): 5}


async def stored_key_ids_now(factory: SessionFactory) -> dict[str, int]:
    async with factory() as session:
        return dict(await stored_key_ids(Storage(session)))


async def test_a_key_its_owner_saves_during_the_rotation_is_not_overwritten(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY, gemini=GEMINI_KEY)
    new_key = "sk-proj-SavedWhileRotating012345"

    class OwnerSavesMeanwhile(Storage):
        async def list_all_api_keys(self) -> list[ApiKeys]:
            rows = await super().list_all_api_keys()
            await set_keys(session_factory, Vault([KEY_A]), ada, openai=new_key)  # committed
            return rows

    vault = Vault([KEY_B, KEY_A])
    async with unit_of_work(session_factory) as session:
        assert await rotate_all(OwnerSavesMeanwhile(session), vault) == 1

    assert await key_of(session_factory, vault, ada, "openai") == new_key
    assert await key_of(session_factory, Vault([KEY_B]), ada, "gemini") == GEMINI_KEY


async def test_rotation_leaves_when_each_key_was_saved_as_it_was(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY)
    before = await saved_at(session_factory, ada)

    assert await rotate(session_factory, Vault([KEY_B, KEY_A])) == 1

    assert await saved_at(session_factory, ada) == before


async def saved_at(factory: SessionFactory, owner_id: str) -> datetime:
    async with factory() as session:
        row = await Storage(session).get_api_keys(owner_id)
    assert row is not None
    return row.updated_at


async def test_rotating_again_changes_nothing(session_factory: SessionFactory) -> None:
    ada = await new_user(session_factory, "ada")
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY)
    vault = Vault([KEY_B, KEY_A])
    assert await rotate(session_factory, vault) == 1
    before = await ciphertexts(session_factory)
    assert await rotate(session_factory, vault) == 0
    assert await ciphertexts(session_factory) == before


async def test_rotation_refuses_to_start_while_a_stored_key_cannot_be_decrypted(
    session_factory: SessionFactory,
) -> None:
    ada, bob = await new_user(session_factory, "ada"), await new_user(session_factory, "bob")
    await set_keys(session_factory, Vault([KEY_A]), ada, openai=OPENAI_KEY)
    await set_keys(session_factory, Vault([KEY_B]), bob, openai="sk-proj-BobsOwnKey0123456789")
    before = await ciphertexts(session_factory)
    async with unit_of_work(session_factory) as session:
        with pytest.raises(KeyUnavailable) as raised:
            await rotate_all(Storage(session), Vault([KEY_C, KEY_A]))
    assert raised.value.detail.startswith("Nothing was re-encrypted")
    assert f"1 made with master key {key_id(KEY_B)}" in raised.value.detail
    assert "PROMPTPRO_ENCRYPTION_KEYS" in raised.value.detail
    assert await ciphertexts(session_factory) == before


async def test_rotation_names_damaged_keys_instead_of_dropping_them(
    session_factory: SessionFactory,
) -> None:
    ada = await new_user(session_factory, "ada")
    async with unit_of_work(session_factory) as session:
        await Storage(session).save_api_keys(ada, {"gemini": "not a ciphertext"})
    with pytest.raises(KeyUnavailable, match=f"damaged \\(user {ada}'s gemini key\\)"):
        await rotate(session_factory, Vault([KEY_A]))
    assert await ciphertexts(session_factory) == ["not a ciphertext"]
    assert await stored_key_ids_now(session_factory) == {"unreadable": 1}


# Nothing in the clear


async def test_no_plaintext_key_is_anywhere_in_the_database_after_saving_and_rotating(
    session_factory: SessionFactory, engine: AsyncEngine
) -> None:
    keys = {"openai": OPENAI_KEY, "anthropic": ANTHROPIC_KEY, "gemini": GEMINI_KEY, "xai": XAI_KEY}
    ada, bob = await new_user(session_factory, "ada"), await new_user(session_factory, "bob")
    await set_keys(session_factory, Vault([KEY_A]), ada, **keys)
    await set_keys(session_factory, Vault([KEY_A]), bob, openai=OPENAI_KEY)
    async with unit_of_work(session_factory) as session:
        await KeyService(Storage(session), Vault([KEY_A]), bob).remove_key("openai")
    await set_keys(session_factory, Vault([KEY_B, KEY_A]), bob, xai=XAI_KEY)
    assert await rotate(session_factory, Vault([KEY_C, KEY_B, KEY_A])) == 2

    stored = await everything_stored(engine)
    assert b"v1." + key_id(KEY_C).encode() in stored  # the dump does see the ciphertexts
    for key in keys.values():
        for spelling in spellings(key):
            assert spelling not in stored
    async with session_factory() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(ApiKeys)) == 2
