"""What every page must satisfy, checked in a real browser, and how to log in like a person."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

DEMO_PASSWORD = "langso-demo-2026"
DEMO_USERS = [
    "demo.citizen",
    "demo.helper",
    "demo.officer",
    "demo.officer2",
    "demo.health",
    "demo.employer",
    "demo.partner",
    "demo.admin",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Browser contexts look like a phone or a desk in Vietnam: Vietnamese first, local time.
LOCALE = {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
NARROW = {"width": 360, "height": 780}
WIDE = {"width": 1280, "height": 800}
# Figures measured by the tests, printed after the run (see conftest.pytest_terminal_summary).
FIGURES: list[str] = []

# Links the crawl does not follow: other interfaces, language switching, logging out, and files.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/jsi18n/")
FILE_SUFFIXES = (
    ".csv",
    ".xlsx",
    ".ods",
    ".pdf",
    ".zip",
    ".json",
    ".jsonl",
    ".parquet",
    ".xml",
    ".txt",
    ".png",
    ".jpg",
    ".svg",
    ".opus",
    ".ogg",
    ".mp3",
)


@dataclass
class Problem:
    url: str
    what: str

    def __str__(self) -> str:
        return f"{self.url}\n    {self.what}"


@dataclass
class Crawl:
    """A breadth-first walk over same-origin links, with one shape of URL visited at most twice."""

    origin: str
    limit: int = 40
    per_shape: int = 2
    visited: list[str] = field(default_factory=list)
    queue: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    shapes: dict[str, int] = field(default_factory=dict)

    def add(self, url: str) -> None:
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or not _followable(parts):
            return
        clean = urlunsplit(("", "", parts.path, parts.query, ""))
        if clean in self.seen:
            return
        shape = _shape(parts.path, parts.query)
        if self.shapes.get(shape, 0) >= self.per_shape:
            return
        self.seen.add(clean)
        self.shapes[shape] = self.shapes.get(shape, 0) + 1
        self.queue.append(clean)

    def next(self) -> str | None:
        if not self.queue or len(self.visited) >= self.limit:
            return None
        path = self.queue.pop(0)
        self.visited.append(path)
        return path


def _followable(parts: Any) -> bool:
    path, query = parts.path, parts.query.lower()
    if path.startswith(SKIPPED_PREFIXES) or "logout" in path:
        return False
    if "/export" in path or "download" in path or path.lower().endswith(FILE_SUFFIXES):
        return False
    return not any(key == "format" and value not in ("", "html") for key, value in parse_qsl(query))


def _shape(path: str, query: str) -> str:
    """/people/123/ and /people/456/ share a shape; so do ?page=2 and ?page=3."""
    keys = sorted({key for key, _value in parse_qsl(query, keep_blank_values=True)})
    return re.sub(r"\d+", "0", path) + "?" + "&".join(keys)


def log_in(page: Any, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    path = urlsplit(page.url).path
    assert not path.startswith("/accounts/login/"), (
        f"logging in as {username} did not leave the login page; "
        f"is the demo loaded (password {password!r})?"
    )


def new_context(browser: Any, axe_source: str, **options: Any) -> Any:
    """A browser context whose pages carry axe-core from the start (cheaper than injecting it
    into each page); CSP is bypassed for that script only in tests."""
    context = browser.new_context(bypass_csp=True, **{**LOCALE, **options})
    context.add_init_script(script=axe_source)
    return context


def axe_violations(page: Any, axe_source: str) -> list[str]:
    """Run axe-core with the WCAG 2.0-2.2 A/AA rules; one readable line per failing rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }""",
        AXE_TAGS,
    )
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}\n"
        f"      at {', '.join(v['targets'][:5])}" + (" ..." if len(v["targets"]) > 5 else "")
        for v in result
    ]


def page_problems(
    page: Any, response: Any, axe_source: str, max_width: int
) -> tuple[list[str], list[str]]:
    """Everything wrong with the page now loaded (status, structure, layout, accessibility),
    and the links it holds."""
    problems: list[str] = []
    status = response.status if response is not None else None
    if status != 200:
        problems.append(f"status {status}, expected 200")
    facts = page.evaluate(
        """() => ({
            lang: document.documentElement.getAttribute("lang") || "",
            h1: document.querySelectorAll("h1").length,
            width: document.documentElement.scrollWidth,
            links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
        })"""
    )
    if not facts["lang"].strip():
        problems.append("<html> has no lang attribute")
    if facts["h1"] != 1:
        problems.append(f"{facts['h1']} <h1> elements, expected exactly one")
    if facts["width"] > max_width + 1:
        problems.append(
            f"scrolls sideways at {max_width} px wide: content is {facts['width']} px wide"
        )
    problems.extend(axe_violations(page, axe_source))
    return problems, facts["links"]


def report(title: str, problems: list[Problem]) -> str:
    lines = [f"{title}: {len(problems)} problem(s)"]
    lines.extend(str(problem) for problem in problems)
    return "\n  ".join(lines)
