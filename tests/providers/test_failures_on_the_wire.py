"""Every kind of provider failure, the retry rule and the timeouts, against the fake server."""

from __future__ import annotations

import pytest

from promptpro.errors import ProviderErrorKind
from promptpro.providers.registry import ProviderConfig, ProviderRegistry
from promptpro.providers.types import Usage
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import (
    API_KEY,
    MODES,
    TEST_RETRY,
    Mode,
    config_for,
    failure,
    request_for,
    streamed,
    unused_port,
)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> Mode:
    """Streamed and plain calls alike."""
    return request.param  # type: ignore[no-any-return]


async def test_a_refused_key_is_bad_key_and_not_retried(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(status=401)

    _, error = await failure(registry, request_for(provider_id), mode)

    assert error.kind is ProviderErrorKind.BAD_KEY
    assert error.provider == provider_id
    assert "refused the API key" in error.detail
    assert len(fake.requests) == 1


async def test_gemini_answers_a_wrong_key_with_400_and_that_is_bad_key(
    registry: ProviderRegistry, fake: FakeProviderServer, mode: Mode
) -> None:
    fake.configure(status=400, error_message="API key not valid. Please pass a valid API key.")

    _, error = await failure(registry, request_for("gemini"), mode)

    assert error.kind is ProviderErrorKind.BAD_KEY


async def test_the_key_never_appears_in_an_error_message(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(
        status=401,
        error_message=f"Incorrect API key provided: {API_KEY}. Also sk-abc1***********wxyz.",
    )

    _, error = await failure(registry, request_for(provider_id), mode)

    assert API_KEY not in error.detail
    assert API_KEY not in str(error)
    assert "sk-abc1" not in error.detail


async def test_a_rate_limit_is_retried_and_the_run_succeeds(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(status=429, retry_after=0.01, fail_times=2, text="after the wait")

    deltas, _ = await streamed(registry, request_for(provider_id))

    assert "".join(deltas) == "after the wait"
    assert len(fake.requests) == 3  # one call and the two retries


async def test_a_lasting_rate_limit_is_rate_limited_with_the_providers_retry_after(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(status=429, retry_after=0.02)

    _, error = await failure(registry, request_for(provider_id), mode)

    assert error.kind is ProviderErrorKind.RATE_LIMITED
    assert error.retry_after == pytest.approx(0.02)
    assert len(fake.requests) == 1 + TEST_RETRY.max_retries


async def test_a_long_retry_after_goes_to_the_caller_at_once(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(status=429, retry_after=30)

    _, error = await failure(registry, request_for(provider_id), mode)

    assert error.kind is ProviderErrorKind.RATE_LIMITED
    assert error.retry_after == 30
    assert len(fake.requests) == 1


async def test_a_server_error_is_retried_twice_then_upstream(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure(status=500)

    _, error = await failure(registry, request_for(provider_id), mode)

    assert error.kind is ProviderErrorKind.UPSTREAM
    assert "HTTP 500" in error.detail
    assert len(fake.requests) == 3


async def test_one_server_error_then_an_answer_is_a_success(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(status=503, fail_times=1, text="second time lucky")

    completion = await registry.complete(request_for(provider_id), api_key=API_KEY)

    assert completion.text == "second time lucky"
    assert len(fake.requests) == 2


async def test_an_unknown_model_is_unknown_model_and_not_retried(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    fake.configure_model("no-such-model", status=404)

    _, error = await failure(registry, request_for(provider_id, model="no-such-model"), mode)

    assert error.kind is ProviderErrorKind.UNKNOWN_MODEL
    assert "no-such-model" in error.detail
    assert len(fake.requests) == 1


async def test_a_request_the_provider_finds_invalid_is_the_users_and_not_retried(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(status=400, error_message="temperature is out of range")

    _, error = await failure(registry, request_for(provider_id), "stream")

    assert error.kind is ProviderErrorKind.INVALID_REQUEST
    assert "temperature is out of range" in error.detail
    assert len(fake.requests) == 1


async def test_a_stream_cut_after_text_is_upstream_keeps_the_text_and_is_not_retried(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(text="abcdefghij", chunks=5, cut_after=2)

    partial, error = await failure(registry, request_for(provider_id), "stream")

    assert partial == "abcd"
    assert error.kind is ProviderErrorKind.UPSTREAM
    assert len(fake.requests) == 1


async def test_a_stream_cut_before_any_text_is_retried(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(cut_after=0)

    partial, error = await failure(registry, request_for(provider_id), "stream")

    assert partial == ""
    assert error.kind is ProviderErrorKind.UPSTREAM
    assert len(fake.requests) == 3


async def test_a_hanging_provider_is_a_timeout(
    impatient_registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(hang=True)

    partial, error = await failure(impatient_registry, request_for(provider_id), "stream")

    assert error.kind is ProviderErrorKind.TIMEOUT
    assert "no text within 0.25 s" in error.detail
    assert partial == ""


async def test_a_slow_first_token_is_a_timeout(
    impatient_registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(first_delay=5)

    _, error = await failure(impatient_registry, request_for(provider_id), "stream")

    assert error.kind is ProviderErrorKind.TIMEOUT


async def test_a_plain_call_that_hangs_times_out_at_the_total_timeout(
    impatient_registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(hang=True)

    _, error = await failure(impatient_registry, request_for(provider_id), "complete")

    assert error.kind is ProviderErrorKind.TIMEOUT
    assert "did not finish within 0.5 s" in error.detail


async def test_a_stream_that_stalls_after_text_times_out_at_the_total_timeout(
    impatient_registry: ProviderRegistry, fake: FakeProviderServer
) -> None:
    fake.configure(text="abcdef", chunks=3, chunk_delay=5)

    partial, error = await failure(impatient_registry, request_for("openai"), "stream")

    assert error.kind is ProviderErrorKind.TIMEOUT
    assert "did not finish" in error.detail
    assert partial == "ab"
    assert len(fake.requests) == 1


async def test_an_unreachable_provider_is_retried_then_upstream(
    fake: FakeProviderServer, provider_id: str, mode: Mode
) -> None:
    nowhere = f"http://127.0.0.1:{unused_port()}"
    config = ProviderConfig(
        openai_base_url=f"{nowhere}/v1",
        xai_base_url=f"{nowhere}/v1",
        anthropic_base_url=nowhere,
        gemini_base_url=nowhere,
        timeouts=config_for(fake).timeouts,
        retry=TEST_RETRY,
    )
    registry = ProviderRegistry(config)
    try:
        _, error = await failure(registry, request_for(provider_id), mode)
    finally:
        await registry.aclose()

    assert error.kind is ProviderErrorKind.UPSTREAM
    assert "connection" in error.detail.lower()


async def test_usage_is_what_the_provider_reported(
    registry: ProviderRegistry, fake: FakeProviderServer, provider_id: str
) -> None:
    fake.configure(input_tokens=1234, output_tokens=567)

    _, usage = await streamed(registry, request_for(provider_id))
    completion = await registry.complete(request_for(provider_id), api_key=API_KEY)

    assert usage == Usage(1234, 567)
    assert completion.usage == Usage(1234, 567)
