"""Who may see decisions: commune officers for their communes, province administrators for all."""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import require_roles, scope_to_communes
from benefits.models import Decision
from people.models import Person

DECISION_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)


def latest_decisions_for_user(user: User) -> QuerySet[Decision]:
    """The current (latest) decision of every person and policy in the user's communes, or 403."""
    require_roles(user, DECISION_ROLES)
    scoped = scope_to_communes(Decision.objects.all(), user)
    latest = scoped.values("person_id", "policy_id").annotate(last=Max("id")).values("last")
    return scoped.filter(id__in=latest)


def get_person_for_decisions(user: User, pk: int) -> Person:
    """A person whose decisions the user may read: living in one of the user's communes."""
    require_roles(user, DECISION_ROLES)
    person = scope_to_communes(Person.objects.select_related("commune"), user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person
