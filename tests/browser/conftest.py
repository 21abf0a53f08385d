"""Browser tests: Debian's Chromium, driven by Playwright (sync API), on the app served by a
real uvicorn on a free loopback port, with every provider's base URL on the fake provider
server.

They run on SQLite only. What they check is the pages and their scripts; the services and
the SQL under them are the same as in the API tests, which run on both databases. One
server (and one browser) serves the whole package, each test in a fresh browser context
(own cookies and storage) as a new user, which keeps the suite well under two minutes on a
loaded two-core machine.

Every test fails on any console error, uncaught page error, failed request, server answer
of 500 or more, or JavaScript dialog (`alert`, `confirm`, ...): see `Watch`.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Frame,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from promptpro.config import Settings, load_settings
from promptpro.testing import FakeProviderServer
from tests.browser.chromium import CHROMIUM, VIEWPORT, launch
from tests.conftest import IN_CI
from tests.support import databases
from tests.support.live import serve

TIMEOUT_MS = 15_000  # generous: a loaded two-core CI machine runs these

WATCH_KEY = pytest.StashKey["Watch"]()


def settings_on(fake: FakeProviderServer, settings: Settings) -> Settings:
    """`settings` with every provider's base URL on the fake server."""
    return settings.model_copy(
        update={
            "openai_base_url": fake.openai_base_url,
            "xai_base_url": fake.xai_base_url,
            "anthropic_base_url": fake.anthropic_base_url,
            "gemini_base_url": fake.gemini_base_url,
        }
    )


class Watch:
    """What went wrong in a page: console errors, page errors, failed requests, 5xx, dialogs.

    Nothing of ours is allow-listed. The one exception is the browser's own: a request it
    drops because the page navigated away while it was asked (net::ERR_ABORTED: a
    debounced estimate, the page's icon fetched late) — the person left, nothing failed.
    Whether the page had navigated is judged at `check`, once every event has come in. A
    dialog is dismissed (so the page goes on) and counted: no page of ours ever opens
    one, so one means a script ran that shouldn't have.
    """

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page = page
        self.navigations = 0  # of the main frame, so far
        self.asked_at: dict[Request, int] = {}  # each request: the navigations before it
        self.aborted: list[tuple[Request, str]] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self._request)
        page.on("framenavigated", self._navigated)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.problems.append(f"console error: {message.text} ({where})")

    def _request(self, request: Request) -> None:
        self.asked_at[request] = self.navigations

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    def _request_failed(self, request: Request) -> None:
        problem = f"request failed: {request.method} {request.url}: {request.failure}"
        if request.failure == "net::ERR_ABORTED":
            self.aborted.append((request, problem))  # judged at `check`
            return
        self.problems.append(problem)

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            request = response.request
            self.problems.append(f"{response.status} for {request.method} {response.url}")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self) -> None:
        """Fail if anything went wrong so far."""
        dropped = [
            problem
            for request, problem in self.aborted
            if self.asked_at.get(request, self.navigations) == self.navigations
        ]
        problems = self.problems + dropped
        assert not problems, "the page had problems:\n" + "\n".join(problems)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test that timed out waiting for the browser runs once more.

    On a loaded two-core CI machine Chromium has, rarely, lost a navigation: a link was
    clicked and the request never reached the server (Playwright waited for the "scheduled
    navigation" until its timeout). Only Playwright's timeout earns a second try — an
    assertion that fails, or a page problem `Watch` saw, fails at once — and a test that
    times out twice fails the build.
    """
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=["TimeoutError"]))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """A browser test that passed fails after all if its page had a problem."""
    result = yield
    watch = item.stash.get(WATCH_KEY, None)
    if watch is not None:
        watch.check()
    return result


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, for the whole package (skipped without it, except in CI)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}: the browser tests must run in CI")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def live_url(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, fake_server: FakeProviderServer
) -> Iterator[str]:
    """The app on a SQLite file, served by uvicorn on a free port; its base URL."""
    directory = tmp_path_factory.mktemp("browser")
    # In a thread of its own: the sync Playwright API keeps an event loop marked running in
    # this one, and migrating runs its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        template = pool.submit(databases.create_sqlite_template, directory).result()
    database = directory / "promptpro.db"
    shutil.copyfile(template, database)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        data_dir=directory / "data",
        secret_key="s" * 64,
        # Every test registers from 127.0.0.1 on this one server.
        registrations_per_address=10_000,
    )
    with serve(settings_on(fake_server, settings)) as url:
        yield url


@pytest.fixture
def context(browser: Browser, live_url: str) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies, no storage) on the live app, 1280x800."""
    context = browser.new_context(base_url=live_url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, context: BrowserContext, fake: FakeProviderServer) -> Page:
    """A page in a fresh profile, watched for problems (the test fails on any); the fake
    provider server is back to its default script."""
    page = context.new_page()
    request.node.stash[WATCH_KEY] = Watch(page)
    return page


@pytest.fixture
def watch(request: pytest.FixtureRequest, page: Page) -> Watch:
    """What `page` has seen go wrong so far."""
    watch: Watch = request.node.stash[WATCH_KEY]
    return watch


_usernames = itertools.count(1)


@pytest.fixture
def username() -> str:
    """A username nobody on the live server has yet."""
    return f"user{next(_usernames)}"


expect.set_options(timeout=TIMEOUT_MS)
