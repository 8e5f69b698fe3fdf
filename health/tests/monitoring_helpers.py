"""Small factories for the monitoring tests: a consented patient and readings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from health.monitoring import services
from people.services import consent_record


def consented(person: Any, actor: Any) -> Any:
    consent_record(person=person, purpose="health", method="paper", actor=actor)
    return person


def item(person: Any, kind: str = "bp", value: Any = 130, value2: Any = 80, **extra: Any) -> dict:
    data = {
        "person": person,
        "kind": kind,
        "value": value,
        "value2": value2 if kind == "bp" else None,
        "measured_at": extra.pop("measured_at", timezone.now() - timedelta(minutes=1)),
    }
    data.update(extra)
    return data


def ingest(user: Any, *items: dict, now: datetime | None = None) -> list[Any]:
    return services.readings_ingest(
        items=list(items), sender=services.Sender(user=user, via="test"), now=now
    )
