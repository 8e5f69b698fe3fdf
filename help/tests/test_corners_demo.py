from __future__ import annotations

from typing import Any

import pytest
import time_machine

from help import demo
from help.models import Appointment, Corner, GroupSession, QueueToken

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-02 09:00:00+07:00", tick=False)
def test_it_builds_demo_corners_once(commune_a: Any) -> None:
    first = demo.populate(96, 7)
    counts = (
        Corner.objects.count(),
        Appointment.objects.count(),
        QueueToken.objects.count(),
        GroupSession.objects.count(),
    )

    second = demo.populate(96, 7)

    assert first.startswith("help: 6 corners (6 new")
    assert "0 new" in second
    assert counts[0] == 6 and counts[1] > 100 and counts[2] == 48 and counts[3] == 4
    assert counts == (
        Corner.objects.count(),
        Appointment.objects.count(),
        QueueToken.objects.count(),
        GroupSession.objects.count(),
    )
    assert {c.hours.count() for c in Corner.objects.all()} >= {10}
