"""argon2id hashing: hash, verify, rehash, and the dummy check for unknown accounts."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher

from promptpro.security import passwords


def test_a_hash_verifies_its_password_only() -> None:
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert passwords.verify_password(hashed, "correct horse battery")
    assert not passwords.verify_password(hashed, "correct horse batterY")


def test_the_same_password_hashes_differently_each_time() -> None:
    assert passwords.hash_password("same") != passwords.hash_password("same")


def test_a_garbled_hash_is_a_no_not_a_crash() -> None:
    assert not passwords.verify_password("not-a-hash", "whatever")
    assert passwords.needs_rehash("not-a-hash")


def test_no_hash_means_no_after_a_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    verified: list[str] = []
    hasher = passwords.HASHER

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return hasher.verify(hash, password)

    spy = Spy.from_parameters(hasher._parameters)
    monkeypatch.setattr(passwords, "HASHER", spy)
    assert not passwords.verify_password(None, "anything at all")
    assert len(verified) == 1
    # The dummy hash costs what a real one does: same algorithm and parameters.
    real = passwords.hash_password("a real one")
    assert verified[0].rsplit("$", 2)[0] == real.rsplit("$", 2)[0]


def test_a_hash_made_with_weaker_parameters_needs_a_rehash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weak = passwords.hash_password("correct horse battery")  # the tests' cheap parameters
    assert not passwords.needs_rehash(weak)
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())
    assert passwords.needs_rehash(weak)
    assert passwords.verify_password(weak, "correct horse battery")
