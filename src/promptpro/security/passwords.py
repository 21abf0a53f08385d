"""Password hashing with argon2id (argon2-cffi's RFC 9106 defaults).

`verify_password` checks against a dummy hash when the account has no password, so a
failed sign-in takes as long for an unknown username as for a wrong password.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Replaceable (tests use cheap parameters); the dummy hash follows whatever is current.
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, with its own random salt."""
    return HASHER.hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not anyone's password: equalises sign-in timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash, spend the same time and say no."""
    if password_hash is None:
        with contextlib.suppress(VerificationError):
            HASHER.verify(_dummy_hash(HASHER), password)
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
