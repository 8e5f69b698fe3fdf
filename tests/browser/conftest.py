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
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Chưa cài Chromium: chạy `scripts/system-deps chromium` "
            "(as root, or the apt-get command it prints).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The base URL of a live server over the demo province."""
    from django.core.management import call_command
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    name = str(connection.settings_dict["NAME"])
    assert connection.is_in_memory_db() or name.startswith("test_"), (
        f"refusing to load the demo into {name}: it is not a test database"
    )
    with django_db_blocker.unblock():
        call_command("demo", province=96, people=300, seed=1, stdout=io.StringIO())
        server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1"))
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
