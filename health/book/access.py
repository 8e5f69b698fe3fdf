"""Fetch-with-check for the health book, on top of health.permissions' one rule.

Who reads: the person, the carers they named, the health workers of their commune (with
consent). Who writes what: health workers write the clinical entries (conditions, medicines,
allergies, vaccinations, care plans, visits); the person names and revokes their carers, and a
health worker may do it for them while they are present.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from accounts.models import User
from health.models import CareGoal, Carer
from health.permissions import ConsentMissing, require_health_access
from people.models import Person

M = TypeVar("M", bound=Model)


def get_person_for_health(user: User, pk: int, *, write: bool = False) -> tuple[Person, str]:
    """The person and the user's relation to them ("self", "carer", "worker").

    404 outside reach, ConsentMissing (403) without consent, 403 when `write` is asked by
    anyone but a health worker of the person's commune.
    """
    person = (
        Person.objects.select_related("commune", "village", "user")
        .filter(pk=pk, merged_into__isnull=True)
        .first()
    )
    if person is None:
        raise Http404
    try:
        relation = require_health_access(user, person, write=write)
    except ConsentMissing as exc:
        # The consent page says whose consent is missing and links to where it is recorded.
        exc.person = person  # type: ignore[attr-defined]
        raise
    if write and relation != "worker":
        raise PermissionDenied
    return person, relation


def get_entry_for_health(user: User, model: type[M], pk: int, *, write: bool = False) -> M:
    """A book entry (a condition, medication, plan, visit, ...) of a person the user reaches."""
    entry: Any = model._default_manager.select_related("person").filter(pk=pk).first()  # type: ignore[attr-defined]
    if entry is None:
        raise Http404
    get_person_for_health(user, entry.person_id, write=write)
    return entry  # type: ignore[no-any-return]


def get_goal_for_health(user: User, pk: int) -> CareGoal:
    goal = CareGoal.objects.select_related("plan").filter(pk=pk).first()
    if goal is None:
        raise Http404
    get_person_for_health(user, goal.plan.person_id, write=True)
    return goal


def get_carer_for_user(user: User, pk: int) -> Carer:
    """A carer naming the user may revoke: the person themself, or a health worker."""
    carer = Carer.objects.select_related("person", "user").filter(pk=pk).first()
    if carer is None:
        raise Http404
    _, relation = get_person_for_health(user, carer.person_id)
    if relation not in ("self", "worker"):
        raise PermissionDenied
    return carer


def people_who_named(user: User) -> list[Person]:
    """The people who named the user as their carer (consent checked when a book is opened)."""
    return list(
        Person.objects.filter(
            carers__user=user, carers__revoked_at__isnull=True, merged_into__isnull=True
        )
        .select_related("commune")
        .order_by("name_key")
        .distinct()
    )
