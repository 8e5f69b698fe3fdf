"""The demo's cases: every status, realistic rows, and nothing added twice."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from help import demo, demo_cases
from help.models import Case, CaseAction, Feedback, Referral

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-02 09:00:00+07:00", tick=False)
def test_it_builds_demo_cases_in_every_status_once(commune_a: Any) -> None:
    demo.populate(96, 7)

    first = demo_cases.populate(96, 7)
    counts = (Case.objects.count(), CaseAction.objects.count(), Feedback.objects.count())
    second = demo_cases.populate(96, 7)

    assert first.startswith("help cases:") and "already had theirs" in second
    assert counts == (Case.objects.count(), CaseAction.objects.count(), Feedback.objects.count())
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert Case.objects.filter(topic="question").exclude(answer="").exists()
    assert Case.objects.filter(did_alone_at__isnull=False).exists()
    assert Referral.objects.exclude(status="pending").exists()
    assert Case.objects.filter(token__isnull=False).exists()
    on_behalf = CaseAction.objects.filter(kind="on_behalf").select_related("case")
    assert on_behalf and all(a.case.consent_method for a in on_behalf)
