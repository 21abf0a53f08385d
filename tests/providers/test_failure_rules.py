"""The pure rules: Retry-After, message cleaning, HTTP status to error kind."""

from __future__ import annotations

import email.utils
import time

import pytest

from promptpro.errors import ProviderErrorKind
from promptpro.providers.failures import clean_message, parse_retry_after, status_failure


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_is_read_in_seconds(
    headers: dict[str, str] | None, expected: float | None
) -> None:
    assert parse_retry_after(headers) == expected


def test_retry_after_may_be_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)

    seconds = parse_retry_after({"retry-after": when})

    assert seconds is not None
    assert 25 <= seconds <= 31


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (401, ProviderErrorKind.BAD_KEY, False),
        (403, ProviderErrorKind.BAD_KEY, False),
        (404, ProviderErrorKind.UNKNOWN_MODEL, False),
        (429, ProviderErrorKind.RATE_LIMITED, True),
        (400, ProviderErrorKind.INVALID_REQUEST, False),
        (413, ProviderErrorKind.INVALID_REQUEST, False),
        (422, ProviderErrorKind.INVALID_REQUEST, False),
        (409, ProviderErrorKind.UPSTREAM, False),
        (500, ProviderErrorKind.UPSTREAM, True),
        (502, ProviderErrorKind.UPSTREAM, True),
        (529, ProviderErrorKind.UPSTREAM, True),
    ],
)
def test_each_status_has_its_kind(status: int, kind: ProviderErrorKind, retryable: bool) -> None:
    failure = status_failure("OpenAI", status, "said so", model="m")

    assert failure.kind is kind
    assert failure.retryable is retryable
    assert f"HTTP {status}" in failure.message
    assert "said so" in failure.message


@pytest.mark.parametrize(
    "secret",
    [
        "sk-proj-abcdefghijklmnop",
        "sk-ant-api03-abcdefgh",
        "xai-abcdefghijkl",
        "AIzaSyA1234567890abcdef",
    ],
)
def test_anything_that_looks_like_a_key_is_scrubbed(secret: str) -> None:
    cleaned = clean_message(f"Incorrect API key provided: {secret}.")

    assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_the_callers_key_is_scrubbed_whatever_it_looks_like() -> None:
    assert "hunter2hunter2" not in clean_message("bad key hunter2hunter2", "hunter2hunter2")


def test_a_message_is_one_short_line() -> None:
    cleaned = clean_message("line one\nline two   " + "x" * 1000)

    assert "\n" not in cleaned
    assert len(cleaned) <= 300
