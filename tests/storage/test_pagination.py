"""Keyset cursors: opaque, URL-safe, and anything a client makes up is refused as Invalid."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promptpro.errors import Invalid
from promptpro.storage import Keyset
from promptpro.storage.pagination import MAX_ID

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")

offsets = st.builds(
    timezone,
    st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23)),
)
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=offsets
)
row_ids = st.integers(min_value=1, max_value=MAX_ID)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=8,
)


def opaque(raw: bytes) -> str:
    """`raw` in the cursor's outer form (URL-safe base64 without padding)."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_of(value: Any) -> str:
    return opaque(json.dumps(value).encode())


def assert_refused(cursor: str) -> None:
    with pytest.raises(Invalid) as raised:
        Keyset.decode(cursor)
    assert raised.value.field == "cursor"


def test_a_cursor_decodes_to_the_keyset_it_was_made_from() -> None:
    keyset = Keyset(datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=UTC), 42)
    assert Keyset.decode(keyset.encode()) == keyset


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = Keyset(datetime(2024, 5, 17, tzinfo=UTC), MAX_ID).encode()
    assert URL_SAFE.match(cursor)


@given(at=aware_datetimes, row_id=row_ids)
def test_every_keyset_survives_its_cursor(at: datetime, row_id: int) -> None:
    cursor = Keyset(at, row_id).encode()
    assert URL_SAFE.match(cursor)
    decoded = Keyset.decode(cursor)
    assert decoded == Keyset(at, row_id)
    assert decoded.at.utcoffset() is not None


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("", id="empty"),
        pytest.param("!!!", id="not-base64"),
        pytest.param("not-a-cursor", id="words"),
        pytest.param("é", id="non-ascii"),
        pytest.param(opaque(b"\xff\xfe\xfd"), id="not-utf8"),
        pytest.param(opaque(b"{not json"), id="not-json"),
        pytest.param(cursor_of(None), id="null"),
        pytest.param(cursor_of([]), id="empty-list"),
        pytest.param(cursor_of({"at": "2024-01-01T00:00:00+00:00", "id": 1}), id="object"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", 1, 2]), id="three-items"),
        pytest.param(cursor_of(["2024-01-01T00:00:00", 1]), id="naive-timestamp"),
        pytest.param(cursor_of(["yesterday", 1]), id="not-a-timestamp"),
        pytest.param(cursor_of([20240101, 1]), id="number-for-timestamp"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", "1"]), id="text-id"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", 1.5]), id="fractional-id"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", 0]), id="zero-id"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", -1]), id="negative-id"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", 2**31]), id="id-too-large"),
        pytest.param(cursor_of(["2024-01-01T00:00:00+00:00", 2**70]), id="id-far-too-large"),
    ],
)
def test_a_cursor_the_server_did_not_make_is_invalid(cursor: str) -> None:
    assert_refused(cursor)


def test_a_tampered_cursor_is_invalid() -> None:
    cursor = Keyset(datetime(2024, 5, 17, tzinfo=UTC), 42).encode()
    tampered = ("A" if cursor[0] != "A" else "B") + cursor[1:]
    assert_refused(tampered)
    assert_refused(cursor[:-3])


def test_a_deeply_nested_cursor_is_invalid() -> None:
    assert_refused(opaque(b"[" * 5000))


@pytest.mark.parametrize(
    "at",
    [
        pytest.param("0001-01-01T00:00:00+14:00", id="before-year-one-in-utc"),
        pytest.param("9999-12-31T23:59:59-14:00", id="after-year-9999-in-utc"),
    ],
)
def test_a_cursor_whose_time_has_no_utc_equivalent_is_invalid(at: str) -> None:
    assert_refused(cursor_of([at, 1]))


@given(st.text())
def test_decoding_arbitrary_text_never_fails_with_anything_but_invalid(cursor: str) -> None:
    try:
        keyset = Keyset.decode(cursor)
    except Invalid as error:
        assert error.field == "cursor"
    else:
        assert keyset.at.tzinfo is not None
        assert 0 < keyset.id <= MAX_ID


@given(json_values)
def test_decoding_arbitrary_json_never_fails_with_anything_but_invalid(value: Any) -> None:
    try:
        keyset = Keyset.decode(cursor_of(value))
    except Invalid as error:
        assert error.field == "cursor"
    else:
        assert keyset.at.tzinfo is not None
        assert 0 < keyset.id <= MAX_ID
