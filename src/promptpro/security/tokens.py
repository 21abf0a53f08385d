"""Random secrets and their hashes: session ids, CSRF tokens and personal access tokens.

Only the SHA-256 of a session id or a token secret is stored, so a leaked database or
backup cannot be replayed as cookies or bearer tokens. A plain (unsalted, fast) hash is
enough because the secrets are 256 random bits: there is nothing to guess or precompute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32  # 256 bits
ACCESS_TOKEN_PREFIX = "pp_"  # noqa: S105  (a prefix, not a secret)
INVITATION_PREFIX = "ppi_"
MAX_TOKEN_LENGTH = 200  # ours are 47 characters; anything much longer is not one


def new_secret() -> str:
    """A URL-safe random string carrying 256 bits (session ids, CSRF tokens, OIDC state)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def new_access_token() -> str:
    """A personal access token secret: `pp_` and 256 random bits."""
    return ACCESS_TOKEN_PREFIX + new_secret()


def new_invitation_token() -> str:
    """A workspace invitation's token: `ppi_` and 256 random bits."""
    return INVITATION_PREFIX + new_secret()


def is_invitation_token(value: str) -> bool:
    """Whether `value` looks like one of our invitation tokens (else: not worth a query)."""
    return value.startswith(INVITATION_PREFIX) and len(INVITATION_PREFIX) < len(value) <= (
        MAX_TOKEN_LENGTH
    )


def is_access_token(value: str) -> bool:
    """Whether `value` looks like one of our personal access tokens."""
    return value.startswith(ACCESS_TOKEN_PREFIX) and len(value) > len(ACCESS_TOKEN_PREFIX)


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) of a secret: what the database keeps instead of it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(expected: str, given: str) -> bool:
    """Compare secrets in constant time (no timing hint about how much matched)."""
    return hmac.compare_digest(expected.encode(), given.encode())
