"""The other apps' demo data, added once the registry is there: corners, cases, health books,
readings. Each module has `populate(province_code, seed) -> str` (a one-line summary) and is
idempotent, so running the demo again on a loaded province adds nothing twice.
"""

from __future__ import annotations

import importlib

from django.db import transaction
from django.db.models import Q

from help import models as help_models
from langso.demo.writer import demo_querysets

# In order: the health book gives the consent that the readings need.
MODULES = ("help.demo", "help.demo_cases", "health.book.demo", "health.monitoring.demo")


def populate(province: int, seed: int) -> list[str]:
    summaries = []
    for name in MODULES:
        module = importlib.import_module(name)
        with transaction.atomic():
            summary = module.populate(province, seed)
        summaries.append(summary)
    return summaries


def delete(province: int) -> None:
    """Delete the digital-corner rows that hold on to demo people or demo villages.

    Health rows go with their person (their links cascade); the corners' links protect the
    people and villages they name, so they go first. Call inside a transaction.
    """
    qs = demo_querysets(province)
    people = qs["people"].values("id")
    corners = help_models.Corner.objects.filter(village__in=qs["villages"].values("id"))
    help_models.SkillAttestation.objects.filter(
        Q(person__in=people) | Q(session__corner__in=corners) | Q(case__corner__in=corners)
    ).delete()
    help_models.Case.objects.filter(Q(person__in=people) | Q(corner__in=corners)).delete()
    help_models.QueueToken.objects.filter(Q(person__in=people) | Q(corner__in=corners)).delete()
    help_models.SessionSeat.objects.filter(
        Q(person__in=people) | Q(session__corner__in=corners)
    ).delete()
    help_models.GroupSession.objects.filter(corner__in=corners).delete()
    help_models.Appointment.objects.filter(Q(person__in=people) | Q(corner__in=corners)).delete()
    corners.delete()
