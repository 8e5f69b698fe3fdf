"""Citizen pages are light, every flow works without JavaScript, focus is visible, and the
desktop layout holds; with LANGSO_SCREENSHOTS=1 the README's screenshots are refreshed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.support import (
    FIGURES,
    LOCALE,
    NARROW,
    WIDE,
    Problem,
    log_in,
    new_context,
    page_problems,
    report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CITIZEN_PAGE_BUDGET = 50 * 1024
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


def _first_load_bytes(context: Any, url: str) -> tuple[int, list[str]]:
    """Bytes transferred (headers and bodies of every response) when a page first loads."""
    page = context.new_page()
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, f"{url}: {response}"
    total, lines = 0, []
    for request in finished:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += size
        lines.append(f"{size:>7} B  {request.url}")
    page.close()
    return total, lines


def _assert_light(name: str, total: int, lines: list[str]) -> None:
    FIGURES.append(f"first load of {name}: {total / 1024:.1f} KB")
    assert total <= CITIZEN_PAGE_BUDGET, (
        f"{name} transfers {total} bytes on first load, over the "
        f"{CITIZEN_PAGE_BUDGET} byte budget:\n" + "\n".join(lines)
    )


def test_it_keeps_the_anonymous_home_page_under_50_kb(browser: Any, site: str) -> None:
    context = browser.new_context(**LOCALE, viewport=NARROW)
    try:
        total, lines = _first_load_bytes(context, f"{site}/")
    finally:
        context.close()

    _assert_light("the home page", total, lines)


def test_it_keeps_the_citizen_workspace_under_50_kb(browser: Any, site: str) -> None:
    login_context = browser.new_context(**LOCALE, viewport=NARROW)
    try:
        log_in(login_context.new_page(), site, "demo.citizen")
        state = login_context.storage_state()
    finally:
        login_context.close()
    # A new context holds the session cookie but nothing in its cache: a true first load.
    context = browser.new_context(**LOCALE, viewport=NARROW, storage_state=state)
    try:
        total, lines = _first_load_bytes(context, f"{site}/workspace/")
    finally:
        context.close()

    _assert_light("the citizen workspace", total, lines)


def test_it_logs_an_officer_in_without_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(**LOCALE, viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    try:
        response = page.goto(f"{site}/")
        assert response is not None and response.status == 200, f"home page: {response}"
        with page.expect_navigation():
            page.click("a[href^='/accounts/login/']")
        page.fill("input[name=username]", "demo.officer")
        page.fill("input[name=password]", "langso-demo-2026")
        with page.expect_navigation() as navigation:
            page.click("form:has(input[name=password]) [type=submit]")

        status = navigation.value.status if navigation.value is not None else None
        assert status == 200, f"{page.url} answered {status} after logging in without JavaScript"
        assert urlsplit(page.url).path == "/workspace/", f"logging in landed on {page.url}"
        assert page.locator("h1").count() == 1
    finally:
        context.close()


def test_it_shows_the_focus_on_the_skip_link_first(browser: Any, site: str) -> None:
    context = browser.new_context(**LOCALE, viewport=NARROW)
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    skip: el.classList.contains("skip-link"),
                    href: el.getAttribute("href"),
                    outline: style.outlineStyle === "none" ? "none"
                        : `${style.outlineStyle} ${style.outlineWidth}`,
                    outlineWidth: parseFloat(style.outlineWidth) || 0,
                    boxShadow: style.boxShadow,
                    visible: el.getBoundingClientRect().height > 0,
                };
            }"""
        )
    finally:
        context.close()

    assert focused["skip"], f"the first Tab focuses {focused['href']!r}, not the skip link"
    assert focused["visible"], "the focused skip link is not shown"
    has_outline = focused["outline"] != "none" and focused["outlineWidth"] > 0
    assert has_outline or focused["boxShadow"] != "none", (
        f"the focused skip link has no visible focus indicator: {focused}"
    )


def test_it_lays_out_home_and_officer_workspace_at_desktop_width(
    browser: Any, site: str, axe_source: str
) -> None:
    screenshots = os.environ.get("LANGSO_SCREENSHOTS") == "1"
    if screenshots:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = new_context(browser, axe_source, viewport=WIDE)
    page = context.new_page()
    problems: list[Problem] = []
    try:
        response = page.goto(f"{site}/")
        found, _links = page_problems(page, response, axe_source, WIDE["width"])
        problems += [Problem(page.url, what) for what in found]
        if screenshots:
            page.screenshot(path=str(SCREENSHOTS / "home.png"))
        log_in(page, site, "demo.officer")
        response = page.goto(f"{site}/workspace/")
        found, _links = page_problems(page, response, axe_source, WIDE["width"])
        problems += [Problem(page.url, what) for what in found]
        if screenshots:
            page.screenshot(path=str(SCREENSHOTS / "workspace-officer.png"))
    finally:
        context.close()

    if problems:
        pytest.fail(report("desktop layout", problems), pytrace=False)
