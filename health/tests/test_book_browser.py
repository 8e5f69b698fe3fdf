"""The health book's pages in a real browser at 360 px: one <h1>, no sideways scrolling, no
axe-core WCAG 2.2 A/AA violation, for the health worker and for the citizen and carer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_source, browser, site  # noqa: F401 - fixtures
from tests.browser.support import NARROW, Problem, log_in, new_context, page_problems, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _check(chromium: Any, base: str, axe: str, username: str, paths: list[str]) -> list[Problem]:
    context = new_context(chromium, axe, viewport=NARROW)
    page = context.new_page()
    problems: list[Problem] = []
    try:
        log_in(page, base, username)
        for path in paths:
            response = page.goto(base + path)
            found, _links = page_problems(page, response, axe, NARROW["width"])
            problems.extend(Problem(page.url, what) for what in found)
    finally:
        context.close()
    return problems


def test_the_health_book_pages_are_accessible_at_360_px(browser, site, axe_source) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from health.book.demo import populate
    from health.models import CarePlan, HomeVisit, Medication
    from people.models import Person

    populate(96, 1)
    citizen_person = Person.objects.get(user__username="demo.citizen")
    patient = Medication.objects.exclude(person=citizen_person).order_by("person_id").first().person
    visit = HomeVisit.objects.filter(person=patient).order_by("due_on").first()
    cared = Person.objects.filter(
        carers__user__username="demo.citizen", carers__revoked_at__isnull=True
    ).first()
    assert CarePlan.objects.filter(person=patient).exists() and visit and cared
    pk = patient.pk
    problems = _check(
        browser,
        site,
        axe_source,
        "demo.health",
        [
            "/health/book/",
            "/health/book/?q=nguyen",
            "/health/book/visits/",
            f"/health/book/{pk}/",
            f"/health/book/{pk}/conditions/add/",
            f"/health/book/{pk}/medications/add/",
            f"/health/book/{pk}/allergies/add/",
            f"/health/book/{pk}/vaccinations/add/",
            f"/health/book/{pk}/plans/add/",
            f"/health/book/{pk}/visits/add/",
            f"/health/book/{pk}/carers/",
            f"/health/book/visits/{visit.pk}/",
        ],
    )
    problems += _check(
        browser,
        site,
        axe_source,
        "demo.citizen",
        ["/health/me/", "/health/me/carers/", f"/health/me/people/{cared.pk}/"],
    )
    if problems:
        pytest.fail(report("health book pages", problems), pytrace=False)
