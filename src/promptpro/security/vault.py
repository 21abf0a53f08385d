"""The key vault: provider keys encrypted at rest with AES-256-GCM under rotatable master keys.

A ciphertext is `v1.<key id>.<base64url(nonce + sealed)>`:

- `v1` names this format, so a later one can be told apart;
- the key id (8 hex digits of a hash of the master key) says which master key sealed it,
  so several keys can decrypt while only the first encrypts, and rotation knows what to do;
- the 96-bit nonce is random per encryption; `sealed` is the AES-GCM output (text + tag).

The associated data binds each ciphertext to its row and column (user id and provider) and
to its own header: a ciphertext copied to another user or provider, or relabelled with
another key id, fails authentication instead of decrypting into the wrong place. A team
workspace's keys are bound to the workspace instead (`workspace_id`), under a domain of
their own: a user's ciphertext can't pass for a workspace's, nor one workspace's for
another's, whatever the ids look like.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from promptpro.config import Settings
from promptpro.errors import ConfigurationError, KeyCorrupt, KeyUnavailable

log = logging.getLogger(__name__)

FORMAT_VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the 96-bit nonce GCM is designed for
KEY_FILE = "encryption_key"
KEYS_VARIABLE = "PROMPTPRO_ENCRYPTION_KEYS"
# 32 bytes in base64 are 43 characters and one pad; both alphabets are accepted because
# `openssl rand -base64 32` uses the standard one and `promptpro keys generate` the URL-safe one.
_KEY_TEXT = re.compile(r"[A-Za-z0-9+/_-]{43}=?")
_KEY_ID = re.compile(r"[0-9a-f]{8}")
# Checked before decoding: the base64 decoder would silently skip stray characters.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_ID_DOMAIN = b"promptpro key id\x00"
_AAD_DOMAIN = b"promptpro api_keys\x00"
_WORKSPACE_AAD_DOMAIN = b"promptpro workspace_api_keys\x00"


def generate_key() -> str:
    """A new random master key, as the text PROMPTPRO_ENCRYPTION_KEYS takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    """The 32 bytes a master key's text stands for; ValueError (naming no secret) if none."""
    text = text.strip()
    if not _KEY_TEXT.fullmatch(text):
        raise ValueError("not a 32-byte key in base64 (44 characters)")
    padded = text.rstrip("=").replace("-", "+").replace("_", "/") + "="
    try:
        raw = base64.b64decode(padded, validate=True)
    except binascii.Error:
        raise ValueError("not a 32-byte key in base64 (44 characters)") from None
    return raw


def key_id(key: bytes) -> str:
    """The public id of a master key: 32 bits of a domain-separated SHA-256, in hex."""
    return hashlib.sha256(_ID_DOMAIN + key).hexdigest()[:8]


@dataclass(frozen=True, slots=True)
class SealedKey:
    """The parts of a ciphertext string."""

    version: str
    key_id: str
    payload: bytes

    @property
    def header(self) -> str:
        return f"{self.version}.{self.key_id}"


def split_ciphertext(ciphertext: str) -> SealedKey | None:
    """The parts of a ciphertext of ours, or None if it is not one."""
    parts = ciphertext.split(".")
    if len(parts) != 3 or parts[0] != FORMAT_VERSION or not _KEY_ID.fullmatch(parts[1]):
        return None
    encoded = parts[2]
    if not _PAYLOAD.fullmatch(encoded):
        return None
    try:
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    # 16 is GCM's tag: anything shorter cannot even be a sealed empty string.
    if len(payload) < NONCE_BYTES + 16:
        return None
    return SealedKey(parts[0], parts[1], payload)


def _associated_data(
    header: str, user_id: str | None, workspace_id: int | None, provider: str
) -> bytes:
    # NUL separators: neither ids nor provider names can hold one, so no two
    # (owner, provider) pairs produce the same bytes; the domain tells a user's key from a
    # workspace's.
    if (user_id is None) == (workspace_id is None):
        raise ValueError("a key belongs to exactly one user or one workspace")
    domain, owner = (
        (_AAD_DOMAIN, str(user_id))
        if user_id is not None
        else (_WORKSPACE_AAD_DOMAIN, str(workspace_id))
    )
    return b"\x00".join((domain + header.encode(), owner.encode(), provider.encode()))


class Vault:
    """Encrypts with the first master key; decrypts with any of them."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ConfigurationError(f"{KEYS_VARIABLE}: at least one master key is needed.")
        self._ciphers: dict[str, AESGCM] = {}
        for key in keys:
            if len(key) != KEY_BYTES:
                raise ConfigurationError(f"{KEYS_VARIABLE}: every master key must be 32 bytes.")
            # A repeated key is harmless (the first one wins); a distinct key with the same
            # id (a 1 in 4 billion chance) would make ids ambiguous, so it is refused.
            self._ciphers.setdefault(key_id(key), AESGCM(key))
        if len(self._ciphers) != len(set(keys)):
            raise ConfigurationError(
                f"{KEYS_VARIABLE}: two different keys share a key id; replace one of them "
                "with a new key from `promptpro keys generate`."
            )
        self.current_key_id = key_id(keys[0])

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault the settings describe (see `master_keys`)."""
        return cls(master_keys(settings))

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the master keys this vault holds, the encrypting one first."""
        return tuple(self._ciphers)

    def encrypt(
        self,
        plaintext: str,
        *,
        user_id: str | None = None,
        workspace_id: int | None = None,
        provider: str,
    ) -> str:
        """Seal `plaintext` as one user's (or one workspace's) key for one provider."""
        header = f"{FORMAT_VERSION}.{self.current_key_id}"
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = self._ciphers[self.current_key_id]
        sealed = cipher.encrypt(
            nonce, plaintext.encode(), _associated_data(header, user_id, workspace_id, provider)
        )
        encoded = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{header}.{encoded}"

    def decrypt(
        self,
        ciphertext: str,
        *,
        user_id: str | None = None,
        workspace_id: int | None = None,
        provider: str,
    ) -> str:
        """The plaintext of a ciphertext sealed for this user (or workspace) and provider."""
        parts = split_ciphertext(ciphertext)
        if parts is None:
            raise KeyCorrupt(_corrupt_detail(provider), provider=provider)
        cipher = self._ciphers.get(parts.key_id)
        if cipher is None:
            raise KeyUnavailable(
                _unavailable_detail(provider, parts.key_id),
                provider=provider,
                key_id=parts.key_id,
            )
        nonce, sealed = parts.payload[:NONCE_BYTES], parts.payload[NONCE_BYTES:]
        try:
            plaintext = cipher.decrypt(
                nonce, sealed, _associated_data(parts.header, user_id, workspace_id, provider)
            )
        except InvalidTag:
            raise KeyCorrupt(_corrupt_detail(provider), provider=provider) from None
        return plaintext.decode()

    def needs_rotation(self, ciphertext: str) -> bool:
        """Whether the ciphertext was sealed other than by this vault's current key and format."""
        parts = split_ciphertext(ciphertext)
        return parts is None or parts.key_id != self.current_key_id


def key_id_of(ciphertext: str) -> str | None:
    """The id of the master key that sealed a ciphertext, None if it is not one of ours."""
    parts = split_ciphertext(ciphertext)
    return parts.key_id if parts else None


def _unavailable_detail(provider: str, missing_id: str) -> str:
    return (
        f"The stored {provider} key was encrypted with master key {missing_id}, which this "
        f"server does not have. Restore that key in {KEYS_VARIABLE} (after the first key; "
        "`promptpro keys status` lists the ids), or save the key again."
    )


def _corrupt_detail(provider: str) -> str:
    return (
        f"The stored {provider} key is damaged or was not written by PromptPro for this "
        "account or workspace, so it cannot be decrypted. Save the key again."
    )


def master_keys(settings: Settings) -> list[bytes]:
    """The master keys: PROMPTPRO_ENCRYPTION_KEYS in order, else the data directory's own.

    When keys are configured and a generated key file is still there, its key is kept as
    the last, decrypt-only key: moving from the generated key to configured ones then
    loses no stored key, and `promptpro keys rotate` moves them all to the new first key.
    """
    configured = _configured_keys(settings.encryption_keys)
    path = settings.data_dir / KEY_FILE
    if not configured:
        return [_load_or_create_key_file(path)]
    if path.exists():
        generated = _read_key_file(path)
        if generated not in configured:
            log.info(
                "Also decrypting with the generated key in %s; run `promptpro keys rotate`, "
                "then delete that file.",
                path,
            )
            configured.append(generated)
    return configured


def _configured_keys(value: str) -> list[bytes]:
    # Empty entries (a trailing comma) are skipped; a bad entry is named by position,
    # never by value: the message ends up in logs and terminals.
    entries = [entry.strip() for entry in value.split(",")]
    keys = []
    for position, entry in enumerate(entries, start=1):
        if not entry:
            continue
        try:
            keys.append(parse_key(entry))
        except ValueError as exc:
            raise ConfigurationError(
                f"{KEYS_VARIABLE}: entry {position} is {exc}; make one with "
                "`promptpro keys generate`."
            ) from None
    if value.strip() and not keys:
        raise ConfigurationError(f"{KEYS_VARIABLE} is set but holds no key.")
    return keys


def _read_key_file(path: Path) -> bytes:
    try:
        return parse_key(path.read_text())
    except ValueError as exc:
        raise ConfigurationError(
            f"{path} is {exc}; restore it from a backup, or set {KEYS_VARIABLE}."
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"Cannot read {path} ({exc.strerror}).") from None


def _load_or_create_key_file(path: Path) -> bytes:
    if path.exists():
        return _read_key_file(path)
    # Write a private temporary file, then link it into place: the link fails if another
    # process (a second worker starting at the same moment) got there first, and then its
    # key is used, so every process ends up with the same key and no reader sees half a file.
    temporary = path.with_name(f".{KEY_FILE}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(generate_key())
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key_file(path)
    finally:
        temporary.unlink(missing_ok=True)
    log.warning(
        "%s is not set: generated a master key for provider keys and kept it in %s "
        "(back it up; set %s to share it between servers).",
        KEYS_VARIABLE,
        path,
        KEYS_VARIABLE,
    )
    return _read_key_file(path)
