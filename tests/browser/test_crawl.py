"""Every page a visitor or a demo user can reach by following links is accessible and mobile-ready.

The crawl starts from the home page (and, once logged in through the real form, from where the
login lands), follows same-origin links breadth-first, and checks each page at 360 px wide: status
200, one <h1>, <html lang>, no sideways scrolling, and no axe-core WCAG 2.2 A/AA violation. Pages
added later are covered as soon as a link reaches them.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.support import (
    DEMO_USERS,
    FIGURES,
    NARROW,
    Crawl,
    Problem,
    log_in,
    new_context,
    page_problems,
    report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ANONYMOUS = "anonymous"


def _crawl(page: Any, site: str, axe_source: str, start: list[str]) -> tuple[Crawl, list[Problem]]:
    crawl = Crawl(origin=site)
    for url in start:
        crawl.add(url)
    problems: list[Problem] = []
    checked: set[str] = set()
    while (path := crawl.next()) is not None:
        url = site + path
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a file behind an ordinary-looking link
                continue
            raise
        landed = urlunsplit(("", "", *urlsplit(page.url)[2:4], ""))
        if landed in checked:  # a redirect to a page already checked (/ -> /workspace/)
            continue
        checked.add(landed)
        found, hrefs = page_problems(page, response, axe_source, NARROW["width"])
        problems.extend(Problem(page.url, what) for what in found)
        for href in hrefs:
            crawl.add(href)
    return crawl, problems


@pytest.mark.parametrize("username", [ANONYMOUS, *DEMO_USERS])
def test_it_keeps_every_reachable_page_accessible_at_360_px(
    browser: Any, site: str, axe_source: str, username: str
) -> None:
    started = time.monotonic()
    context = new_context(browser, axe_source, viewport=NARROW)
    page = context.new_page()
    try:
        start = [f"{site}/"]
        if username != ANONYMOUS:
            log_in(page, site, username)
            start.insert(0, page.url)
        crawl, problems = _crawl(page, site, axe_source, start)

        assert len(crawl.visited) >= 2, f"{username}: the crawl found only {crawl.visited}"
        if problems:
            pytest.fail(report(f"{username} ({len(crawl.visited)} pages)", problems), pytrace=False)
    finally:
        context.close()
    FIGURES.append(
        f"crawl {username}: {len(crawl.visited)} pages in {time.monotonic() - started:.1f} s"
    )


def test_it_switches_the_home_page_to_english_with_the_language_buttons(
    browser: Any, site: str, axe_source: str
) -> None:
    context = new_context(browser, axe_source, viewport=NARROW)
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        assert page.evaluate("() => document.documentElement.lang") == "vi"
        with page.expect_navigation() as navigation:
            page.click("button[name=language][value=en]")

        assert page.evaluate("() => document.documentElement.lang") == "en"
        problems, _links = page_problems(page, navigation.value, axe_source, NARROW["width"])
        assert not problems, report(
            "home page in English", [Problem(page.url, p) for p in problems]
        )
    finally:
        context.close()
