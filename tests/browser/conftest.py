"""Browser fixtures: Debian's Chromium through Playwright, a live server over the demo province.

Every test module here sets `pytestmark = [pytest.mark.browser, pytest.mark.django_db]`:
scripts/test-all runs them in a stage of their own.

The demo province (`demo --province 96 --people 300 --seed 1`) is loaded once per session into
the test database, and pytest-django's LiveServer serves it. The `live_server` fixture itself is
not requested: it makes every test transactional, and the flush after each test would erase the
demo and the administrative divisions that migrations load, so each test would have to rebuild
them. Instead the demo is committed before the first test, and each test runs in pytest-django's
ordinary transaction, which the server thread shares (the SQLite test database lives in memory
and its connection is handed to the server): what a test writes through the browser (sessions,
login records) is rolled back after it, and the demo stays.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import FIGURES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("browser figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(
            f"{AXE_JS} is missing. Install it with `npm ci --prefix tests/browser` "
            "(scripts/test-all does this).",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


class _Shared:
    """One instance per process of an expensive resource, however many fixtures hand it out.

    A test module elsewhere may import these fixtures (`from tests.browser.conftest import
    browser, site`); pytest then holds a second session fixture of the same name, and a second
    Playwright cannot start in a thread that already runs one. Both fixtures share this
    instance, and the last one to finish closes it.
    """

    def __init__(self) -> None:
        self.users = 0
        self.value: Any = None
        self.stack = ExitStack()

    @contextmanager
    def use(self, open_: Callable[[ExitStack], Any]) -> Iterator[Any]:
        if self.users == 0:
            try:
                self.value = open_(self.stack)
            except BaseException:
                self.stack.close()
                raise
        self.users += 1
        try:
            yield self.value
        finally:
            self.users -= 1
            if self.users == 0:
                self.value = None
                self.stack.close()


_BROWSER = _Shared()
_SITE = _Shared()


def _open_browser(stack: ExitStack) -> Any:
    from playwright.sync_api import sync_playwright

    playwright = stack.enter_context(sync_playwright())
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    stack.callback(chromium.close)
    return chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Chưa cài Chromium: chạy `scripts/system-deps chromium` "
            "(as root, or the apt-get command it prints).",
            pytrace=False,
        )
    with _BROWSER.use(_open_browser) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def site(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The base URL of a live server over the demo province."""

    def open_site(stack: ExitStack) -> str:
        from django.core.management import call_command
        from django.db import connection
        from pytest_django.live_server_helper import LiveServer

        name = str(connection.settings_dict["NAME"])
        assert connection.is_in_memory_db() or name.startswith("test_"), (
            f"refusing to load the demo into {name}: it is not a test database"
        )
        # The server thread reaches the database through the blocker too: open for the session.
        stack.enter_context(django_db_blocker.unblock())
        call_command("demo", province=96, people=300, seed=1, stdout=io.StringIO())
        server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1"))
        stack.callback(server.stop)
        server._live_server_modified_settings.enable()
        stack.callback(server._live_server_modified_settings.disable)
        return str(server.url)

    with _SITE.use(open_site) as url:
        yield url
