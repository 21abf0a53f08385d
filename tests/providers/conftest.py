"""Registries on the fake provider server (which tests/conftest.py starts once per session)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from tests.providers.helpers import PROVIDERS, SHORT_TIMEOUTS, config_for


@pytest.fixture
async def registry(fake: FakeProviderServer) -> AsyncIterator[ProviderRegistry]:
    registry = ProviderRegistry(config_for(fake))
    yield registry
    await registry.aclose()


@pytest.fixture
async def impatient_registry(fake: FakeProviderServer) -> AsyncIterator[ProviderRegistry]:
    """A registry whose timeouts are a fraction of a second, for tests that wait for one."""
    registry = ProviderRegistry(config_for(fake, timeouts=SHORT_TIMEOUTS))
    yield registry
    await registry.aclose()


@pytest.fixture(params=PROVIDERS)
def provider_id(request: pytest.FixtureRequest) -> str:
    """Each built-in provider in turn."""
    return str(request.param)
