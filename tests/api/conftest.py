"""What the run tests share: a signed-in user whose runs reach the fake provider."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import config_for
from tests.support.runs import PROVIDERS, add_key


@pytest.fixture
async def runner(
    app: FastAPI, ada: httpx.AsyncClient, fake: FakeProviderServer
) -> AsyncIterator[httpx.AsyncClient]:
    """ada, signed in, with keys for every provider, on an app whose providers are the fake."""
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    for provider in PROVIDERS:
        await add_key(ada, provider)
    yield ada
    await app.state.providers.aclose()
