"""Random secrets, their SHA-256 hashes and the CSRF check."""

from __future__ import annotations

import hashlib

from promptpro.security import csrf, tokens


def test_secrets_carry_256_bits_and_never_repeat() -> None:
    secrets = {tokens.new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(secret) >= 43 for secret in secrets)  # 32 bytes in URL-safe base64


def test_access_tokens_are_prefixed() -> None:
    token = tokens.new_access_token()
    assert token.startswith("pp_")
    assert tokens.is_access_token(token)
    assert not tokens.is_access_token("pp_")
    assert not tokens.is_access_token("sk-something")


def test_only_the_sha256_is_kept() -> None:
    secret = tokens.new_secret()
    assert tokens.hash_secret(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in tokens.hash_secret(secret)


def test_secrets_compare_exactly() -> None:
    assert tokens.same_secret("abc", "abc")
    assert not tokens.same_secret("abc", "abd")
    assert not tokens.same_secret("abc", "ab")


def test_unsafe_methods_need_the_matching_csrf_token() -> None:
    token = csrf.new_csrf_token()
    assert not csrf.needs_csrf_check("GET")
    assert not csrf.needs_csrf_check("head")
    assert all(csrf.needs_csrf_check(method) for method in ("POST", "PUT", "PATCH", "DELETE"))
    assert csrf.csrf_token_matches(token, token)
    assert not csrf.csrf_token_matches(token, None)
    assert not csrf.csrf_token_matches(token, "")
    assert not csrf.csrf_token_matches(token, token + "x")
    assert not csrf.csrf_token_matches("", "")
