"""The registry's pages in a real browser at 360 px: one <h1>, no sideways scrolling, no axe-core
WCAG 2.2 A/AA violation. The site crawl only follows links; these pages sit behind a search form
or need a record with facts, consents and history, so they are visited here directly."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_source, browser, site  # noqa: F401 - fixtures
from tests.browser.support import NARROW, Problem, log_in, new_context, page_problems, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _person_path() -> tuple[int, int]:
    """A demo person of demo.officer's communes with a household and a disability."""
    from accounts.models import User
    from people.models import Person

    officer = User.objects.get(username="demo.officer")
    communes = list(officer.communes.values_list("code", flat=True))
    person = (
        Person.objects.filter(commune_id__in=communes, household__isnull=False)
        .filter(disabilities__isnull=False)
        .order_by("id")
        .first()
    ) or Person.objects.filter(commune_id__in=communes, household__isnull=False).first()
    assert person is not None and person.household_id is not None
    return person.pk, person.household_id


def _citizen_person() -> int:
    """The demo citizen's own record (linked to their account by the demo)."""
    from people.models import Person

    return Person.objects.get(user__username="demo.citizen").pk


def _check(page: Any, base: str, axe: str, paths: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for path in paths:
        response = page.goto(base + path)
        found, _links = page_problems(page, response, axe, NARROW["width"])
        problems.extend(Problem(page.url, what) for what in found)
    return problems


def _as(chromium: Any, base: str, axe: str, username: str) -> tuple[Any, Any]:
    context = new_context(chromium, axe, viewport=NARROW)
    page = context.new_page()
    log_in(page, base, username)
    return context, page


def test_the_registry_pages_are_accessible_at_360_px(browser, site, axe_source) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    pk, household = _person_path()
    problems: list[Problem] = []
    context, page = _as(browser, site, axe_source, "demo.officer")
    try:
        # A consent recorded through the page itself, so that its withdrawal page exists.
        page.goto(f"{site}/people/{pk}/")
        page.select_option("#id_purpose", "benefits")
        page.select_option("#id_method", "paper")
        page.get_by_role("button", name="Ghi nhận", exact=True).click()
        withdraw = page.locator("a[href*='/withdraw/']").first.get_attribute("href")
        problems += _check(
            page,
            site,
            axe_source,
            [
                f"/people/{pk}/",
                f"/people/{pk}/history/",
                f"/people/{pk}/edit/",
                f"/people/{pk}/facts/",
                f"/people/{pk}/disabilities/add/",
                f"/people/households/{household}/",
                f"/people/households/{household}/poverty/",
                str(withdraw),
                "/people/?q=thi",
                "/people/duplicates/",
                "/people/new/",
                f"/people/{pk}/account/link/",
                f"/people/{_citizen_person()}/account/unlink/",
                "/people/account-requests/",
            ],
        )
    finally:
        context.close()
    context, page = _as(browser, site, axe_source, "demo.admin")
    try:
        problems += _check(page, site, axe_source, ["/people/export/"])
    finally:
        context.close()
    context, page = _as(browser, site, axe_source, "demo.citizen")
    try:
        problems += _check(page, site, axe_source, ["/people/me/", "/people/me/link/"])
    finally:
        context.close()
    if problems:
        pytest.fail(report("registry pages", problems), pytrace=False)
