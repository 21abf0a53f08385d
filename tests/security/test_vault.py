"""The key vault: authenticated encryption bound to its owner, under rotatable master keys."""

from __future__ import annotations

import base64
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promptpro.config import Settings
from promptpro.errors import ConfigurationError, KeyCorrupt, KeyUnavailable
from promptpro.security.vault import (
    KEY_FILE,
    Vault,
    generate_key,
    key_id,
    key_id_of,
    master_keys,
    parse_key,
)

# Fixed keys: parametrized test ids must be the same in every pytest-xdist worker.
KEY_A, KEY_B = hashlib.sha256(b"key a").digest(), hashlib.sha256(b"key b").digest()
SECRET = "sk-proj-Zq8vN3xKp0LmT7wRbY2cFhJd"
OWNER: dict[str, Any] = {"user_id": "u1", "provider": "openai"}


def settings(tmp_path: Path, encryption_keys: str = "") -> Settings:
    return Settings(data_dir=tmp_path, encryption_keys=encryption_keys)


def text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def flip(ciphertext: str, position: int) -> str:
    """The ciphertext with one bit of its payload flipped."""
    header, _, encoded = ciphertext.rpartition(".")
    payload = bytearray(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    payload[position] ^= 0x01
    return f"{header}.{base64.urlsafe_b64encode(bytes(payload)).decode().rstrip('=')}"


# Round trip and format


def test_a_key_decrypts_to_what_was_encrypted() -> None:
    vault = Vault([KEY_A])
    assert vault.decrypt(vault.encrypt(SECRET, **OWNER), **OWNER) == SECRET


@given(
    plaintext=st.text(max_size=600),
    user_id=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
    provider=st.sampled_from(["openai", "anthropic", "gemini", "xai"]),
)
def test_any_text_round_trips_for_any_owner(plaintext: str, user_id: str, provider: str) -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(plaintext, user_id=user_id, provider=provider)
    assert vault.decrypt(sealed, user_id=user_id, provider=provider) == plaintext


def test_a_ciphertext_names_its_format_and_master_key_and_hides_the_key() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, **OWNER)
    version, kid, payload = sealed.split(".")
    assert (version, kid) == ("v1", key_id(KEY_A))
    assert key_id_of(sealed) == key_id(KEY_A)
    assert SECRET not in sealed
    assert SECRET[-8:] not in sealed
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_same_key_encrypts_differently_every_time() -> None:
    vault = Vault([KEY_A])
    assert vault.encrypt(SECRET, **OWNER) != vault.encrypt(SECRET, **OWNER)


def test_a_key_id_is_eight_hex_digits_and_differs_between_keys() -> None:
    assert len(key_id(KEY_A)) == 8
    assert int(key_id(KEY_A), 16) >= 0
    assert key_id(KEY_A) != key_id(KEY_B)
    assert key_id(KEY_A) == key_id(bytes(KEY_A))


# Tampering


@pytest.mark.parametrize("position", [0, 11, 12, 20, -16, -1], ids=lambda p: f"byte {p}")
def test_a_flipped_bit_anywhere_is_refused(position: int) -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, **OWNER)
    with pytest.raises(KeyCorrupt):
        vault.decrypt(flip(sealed, position), **OWNER)


def test_a_ciphertext_copied_to_another_user_is_refused() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, user_id="u1", provider="openai")
    with pytest.raises(KeyCorrupt, match="Save the key again"):
        vault.decrypt(sealed, user_id="u2", provider="openai")


def test_a_workspace_key_round_trips_bound_to_its_workspace() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, workspace_id=7, provider="openai")
    assert vault.decrypt(sealed, workspace_id=7, provider="openai") == SECRET
    with pytest.raises(KeyCorrupt):
        vault.decrypt(sealed, workspace_id=8, provider="openai")
    with pytest.raises(KeyCorrupt):
        vault.decrypt(sealed, workspace_id=7, provider="anthropic")


def test_a_workspace_key_and_a_user_key_cannot_pass_for_each_other() -> None:
    # A user whose id is the workspace's number must not decrypt the workspace's key (nor
    # the other way round): the two kinds of owner have associated data of their own.
    vault = Vault([KEY_A])
    for_workspace = vault.encrypt(SECRET, workspace_id=7, provider="openai")
    for_user = vault.encrypt(SECRET, user_id="7", provider="openai")
    with pytest.raises(KeyCorrupt):
        vault.decrypt(for_workspace, user_id="7", provider="openai")
    with pytest.raises(KeyCorrupt):
        vault.decrypt(for_user, workspace_id=7, provider="openai")


def test_a_key_belongs_to_one_user_or_one_workspace() -> None:
    vault = Vault([KEY_A])
    with pytest.raises(ValueError, match="exactly one"):
        vault.encrypt(SECRET, provider="openai")
    with pytest.raises(ValueError, match="exactly one"):
        vault.encrypt(SECRET, user_id="u1", workspace_id=1, provider="openai")


def test_a_ciphertext_copied_to_another_provider_is_refused() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, user_id="u1", provider="openai")
    with pytest.raises(KeyCorrupt):
        vault.decrypt(sealed, user_id="u1", provider="anthropic")


def test_owner_fields_cannot_be_shifted_into_each_other() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, user_id="u1o", provider="penai")
    with pytest.raises(KeyCorrupt):
        vault.decrypt(sealed, user_id="u1", provider="openai")


def test_a_stray_character_in_a_ciphertext_is_refused() -> None:
    vault = Vault([KEY_A])
    sealed = vault.encrypt(SECRET, **OWNER)
    with pytest.raises(KeyCorrupt):
        vault.decrypt(sealed[:20] + "!" + sealed[20:], **OWNER)


def test_a_relabelled_key_id_is_refused() -> None:
    vault = Vault([KEY_A, KEY_B])
    sealed = vault.encrypt(SECRET, **OWNER)
    relabelled = sealed.replace(key_id(KEY_A), key_id(KEY_B), 1)
    with pytest.raises(KeyCorrupt):
        vault.decrypt(relabelled, **OWNER)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        SECRET,
        "v1",
        "v1.abcdef12",
        "v1.abcdef12.",
        "v2.abcdef12.AAAA",
        "v1.ABCDEF12.AAAA",
        "v1.abcdef12.!!!!",
        "v1.abcdef12.AAAAAAAA",
        "v1.abcdef12.AAAA.AAAA",
    ],
)
def test_text_that_is_not_a_ciphertext_is_refused_not_crashed_on(garbage: str) -> None:
    vault = Vault([KEY_A])
    with pytest.raises(KeyCorrupt) as raised:
        vault.decrypt(garbage, **OWNER)
    assert SECRET not in raised.value.detail
    assert vault.needs_rotation(garbage)


# Several master keys


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old = Vault([KEY_A]).encrypt(SECRET, **OWNER)
    vault = Vault([KEY_B, KEY_A])
    assert vault.current_key_id == key_id(KEY_B)
    assert vault.key_ids == (key_id(KEY_B), key_id(KEY_A))
    assert vault.decrypt(old, **OWNER) == SECRET
    assert key_id_of(vault.encrypt(SECRET, **OWNER)) == key_id(KEY_B)


def test_only_ciphertexts_under_an_older_key_need_rotation() -> None:
    vault = Vault([KEY_B, KEY_A])
    assert vault.needs_rotation(Vault([KEY_A]).encrypt(SECRET, **OWNER))
    assert not vault.needs_rotation(vault.encrypt(SECRET, **OWNER))


def test_a_missing_master_key_is_a_clear_error_naming_the_fix() -> None:
    sealed = Vault([KEY_A]).encrypt(SECRET, **OWNER)
    with pytest.raises(KeyUnavailable) as raised:
        Vault([KEY_B]).decrypt(sealed, **OWNER)
    assert not isinstance(raised.value, KeyCorrupt)
    assert raised.value.key_id == key_id(KEY_A)
    assert raised.value.provider == "openai"
    assert "PROMPTPRO_ENCRYPTION_KEYS" in raised.value.detail
    assert key_id(KEY_A) in raised.value.detail


def test_a_repeated_master_key_counts_once() -> None:
    assert Vault([KEY_A, KEY_B, KEY_A]).key_ids == (key_id(KEY_A), key_id(KEY_B))


def test_a_vault_needs_a_key_of_the_right_size() -> None:
    with pytest.raises(ConfigurationError):
        Vault([])
    with pytest.raises(ConfigurationError, match="32 bytes"):
        Vault([b"short"])


# Master keys from the settings


def test_configured_keys_are_used_in_order(tmp_path: Path) -> None:
    keys = master_keys(settings(tmp_path, f"{text(KEY_B)},{text(KEY_A)}"))
    assert keys == [KEY_B, KEY_A]
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    "spelling",
    [
        base64.urlsafe_b64encode(KEY_A).decode(),
        base64.urlsafe_b64encode(KEY_A).decode().rstrip("="),
        base64.b64encode(KEY_A).decode(),  # what `openssl rand -base64 32` prints
        f"  {base64.urlsafe_b64encode(KEY_A).decode()}  ,",
    ],
)
def test_keys_are_accepted_in_either_base64_alphabet(tmp_path: Path, spelling: str) -> None:
    assert master_keys(settings(tmp_path, spelling)) == [KEY_A]


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("not-a-key", 1),
        (f"{text(KEY_A)},{text(bytes(16))}", 2),
        (f"{text(KEY_A)},{text(bytes(33))}", 2),
        (f"{text(KEY_A)[:-2]}!=", 1),
        ("0" * 64, 1),  # hex, not base64
    ],
)
def test_a_malformed_key_is_refused_at_start_up_by_position_never_by_value(
    tmp_path: Path, value: str, position: int
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Vault.from_settings(settings(tmp_path, value))
    detail = raised.value.detail
    assert detail.startswith("PROMPTPRO_ENCRYPTION_KEYS")
    assert f"entry {position}" in detail
    assert "promptpro keys generate" in detail
    for entry in value.split(","):
        assert entry.strip() not in detail


def test_a_setting_of_only_commas_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="holds no key"):
        master_keys(settings(tmp_path, " , "))


def test_generated_keys_parse_back_to_32_bytes() -> None:
    first, second = generate_key(), generate_key()
    assert first != second
    assert len(parse_key(first)) == 32


# A key generated into the data directory


def test_without_configured_keys_one_is_generated_once_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        first = master_keys(settings(tmp_path))
    path = tmp_path / KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "PROMPTPRO_ENCRYPTION_KEYS is not set" in warnings[0].getMessage()
    assert str(path) in warnings[0].getMessage()
    assert path.read_text().strip() not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        assert master_keys(settings(tmp_path)) == first
    assert caplog.records == []
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_workers_starting_together_all_get_the_same_generated_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: master_keys(settings(tmp_path)), range(16)))
    assert all(key == keys[0] for key in keys)
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_a_damaged_generated_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("garbage")
    with pytest.raises(ConfigurationError, match=KEY_FILE):
        master_keys(settings(tmp_path))


def test_a_generated_key_still_decrypts_after_keys_are_configured(tmp_path: Path) -> None:
    generated = Vault.from_settings(settings(tmp_path))
    sealed = generated.encrypt(SECRET, **OWNER)
    configured = Vault.from_settings(settings(tmp_path, text(KEY_B)))
    assert configured.current_key_id == key_id(KEY_B)
    assert configured.decrypt(sealed, **OWNER) == SECRET
    assert configured.needs_rotation(sealed)
