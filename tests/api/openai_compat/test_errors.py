"""The OpenAI-compatible endpoint's errors, in OpenAI's shape with the right status, as the
official `openai` SDK raises them: bad tokens, unknown models, invalid requests, budgets,
provider failures."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI

from promptpro.testing import FakeProviderServer
from tests.api.openai_compat.conftest import MODELS, SaidTo, named_prompt
from tests.api.test_budgets import set_user_budget, user_id
from tests.support.auth import create_token


@pytest.mark.parametrize(
    ("model", "status", "code"),
    [
        ("prompt:support/none", 404, "model_not_found"),
        ("prompt:support/triage@canary", 404, "model_not_found"),
        ("prompt:../x", 404, "model_not_found"),
        ("nonsense", 404, "model_not_found"),
        ("noprovider/some-model", 404, "model_not_found"),
    ],
)
async def test_an_unknown_model_is_a_404_in_openais_error_shape(
    sdk: SaidTo, runner: httpx.AsyncClient, model: str, status: int, code: str
) -> None:
    await named_prompt(runner)
    with pytest.raises(openai.NotFoundError) as raised:
        await sdk().chat.completions.create(
            model=model, messages=[{"role": "user", "content": "Hi"}]
        )
    error = raised.value.body
    assert raised.value.status_code == status
    assert isinstance(error, dict)
    assert error["code"] == code and error["param"] == "model"
    assert error["type"] == "invalid_request_error" and error["message"]


async def test_a_bad_token_is_a_401_and_a_read_only_token_may_not_run(
    sdk: SaidTo, runner: httpx.AsyncClient
) -> None:
    with pytest.raises(openai.AuthenticationError) as raised:
        await sdk("pp_not-a-token").chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["type"] == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        await sdk("pp_not-a-token").models.list()

    made = await runner.post("/api/v1/tokens", json={"name": "ro", "readOnly": True})
    read_only = made.json()["token"]
    with pytest.raises(openai.PermissionDeniedError) as denied:
        await sdk(read_only).chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert isinstance(denied.value.body, dict)
    assert denied.value.body["code"] == "read_only_token"
    assert [m.id async for m in sdk(read_only).models.list()]  # reading is allowed


async def test_invalid_requests_are_400s_naming_the_parameter(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await named_prompt(runner)
    client = sdk()
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"model": "prompt:support/triage", "messages": []}, None),  # {{team}} missing
        ({"model": MODELS[0], "messages": []}, "messages"),
        ({"model": MODELS[0], "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
        (
            {"model": MODELS[0], "messages": [{"role": "user", "content": "x"}], "top_p": 3},
            "top_p",
        ),
    ]
    fake.reset()
    for body, param in cases:
        with pytest.raises(openai.BadRequestError) as raised:
            await client.chat.completions.create(**body)
        error = raised.value.body
        assert isinstance(error, dict) and error["type"] == "invalid_request_error", error
        if param is not None:
            assert error["param"] == param, error
        else:
            assert "team" in error["message"]
    assert fake.requests == []


async def test_a_call_past_the_budget_is_a_402_before_any_provider_request(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    assert (await set_user_budget(runner, await user_id(runner), 0)).status_code == 200
    fake.reset()
    with pytest.raises(openai.APIStatusError) as raised:
        await sdk().chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.status_code == 402
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["code"] == "budget_exceeded"
    assert fake.requests == []


async def test_a_provider_failure_is_its_status_streamed_or_not_and_kept_as_failed(
    sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    fake.configure(status=500)
    with pytest.raises(openai.APIStatusError) as raised:
        await sdk().chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.status_code == 502
    with pytest.raises(openai.APIStatusError) as streamed:
        await sdk().chat.completions.create(
            model=MODELS[1], messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    assert streamed.value.status_code == 502
    assert isinstance(streamed.value.body, dict)
    stored = await runner.get(f"/api/v1/responses/{streamed.value.body['response_id']}")
    assert stored.json()["status"] == "failed"


async def test_a_session_cookie_is_not_enough(runner: httpx.AsyncClient) -> None:
    body = {"model": MODELS[0], "messages": [{"role": "user", "content": "Hi"}]}
    refused = await runner.post("/v1/chat/completions", json=body)
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"
    assert "Bearer" in refused.json()["error"]["message"]


@pytest.mark.parametrize("content", [b"[" * 100_000, b'{"model": "\xff"}', b"[]", b"{"])
async def test_a_body_that_is_no_request_is_a_400(
    runner: httpx.AsyncClient, content: bytes
) -> None:
    token = await create_token(runner, "curl")
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    refused = await runner.post("/v1/chat/completions", content=content, headers=headers)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["type"] == "invalid_request_error"


async def test_past_the_run_limit_is_a_429_with_retry_after(
    app: FastAPI, sdk: SaidTo, runner: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    app.state.runs.registry.per_user = 0  # any run is one too many
    fake.reset()
    with pytest.raises(openai.RateLimitError) as raised:
        await sdk().chat.completions.create(
            model=MODELS[0], messages=[{"role": "user", "content": "Hi"}]
        )
    assert raised.value.response.headers["retry-after"]
    assert isinstance(raised.value.body, dict)
    assert (raised.value.body["type"], raised.value.body["code"]) == (
        "rate_limit_error",
        "too_many_runs",
    )
    assert fake.requests == []
