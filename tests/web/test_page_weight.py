"""Light pages: a cold load of the library, and of a prompt with 20 responses in its history,
transfers at most 50 KB with all its CSS and JS (the same crawl as bench/page_weight.py,
which also times the first byte; no timing here)."""

from __future__ import annotations

import re

import httpx
from bench.page_weight import BUDGET_BYTES, cold_load, pages, seed
from fastapi import FastAPI

from promptpro.providers.registry import ProviderRegistry
from promptpro.testing import FakeProviderServer
from promptpro.web.pages.prompt import HISTORY_PAGE_SIZE
from tests.providers.helpers import config_for


async def test_a_cold_load_of_the_library_and_a_prompt_page_stays_under_50_kb(
    app: FastAPI, client: httpx.AsyncClient, fake: FakeProviderServer
) -> None:
    await app.state.providers.aclose()
    app.state.providers = ProviderRegistry(config_for(fake))
    prompt_id = await seed(client, fake)
    for name, path in pages(prompt_id).items():
        transfers = await cold_load(client, path)
        urls = [transfer.url for transfer in transfers]
        assert any(url.endswith(".css") for url in urls), urls
        assert any(url.endswith("/run.js") or url.endswith("/common.js") for url in urls), urls
        total = sum(transfer.wire_bytes for transfer in transfers)
        assert total <= BUDGET_BYTES, f"{name}: {total} bytes in {urls}"
        if name.startswith("prompt"):
            page = await client.get(path)
            # The newest page of the history is shown; the rest loads when asked for.
            shown = {int(n) for n in re.findall(r"Haiku (\d+)\b", page.text)}
            assert set(range(20 - HISTORY_PAGE_SIZE, 20)) <= shown
