"""Who may see and act on decisions, cases and payment lists.

Commune officers see and act in their communes; province administrators see the whole province
but do not act on cases (approval belongs to the commune). Approving, suspending, resuming and
ending an approved case needs the chairman of the commune People's Committee (Decree 147/2025
Art. 5(1)): a commune officer of that commune holding the permission benefits.approve_case.
"""

from __future__ import annotations

from django.db.models import Max, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import require_roles, scope_to_communes, user_can_act_in_commune
from benefits.models import Case, Decision, PaymentList
from people.models import Person

DECISION_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
APPROVE_PERMISSION = "benefits.approve_case"


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


def get_decision_for_user(user: User, pk: int) -> Decision:
    """A decision of one of the user's communes, or 404."""
    require_roles(user, DECISION_ROLES)
    decision = (
        scope_to_communes(Decision.objects.select_related("person", "commune"), user)
        .filter(pk=pk)
        .first()
    )
    if decision is None:
        raise Http404
    return decision


def cases_for_user(user: User) -> QuerySet[Case]:
    """The cases of the user's communes (every commune for a province administrator), or 403."""
    require_roles(user, DECISION_ROLES)
    return scope_to_communes(Case.objects.all(), user)


def get_case_for_user(user: User, pk: int) -> Case:
    case = cases_for_user(user).select_related("person", "commune").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def payment_lists_for_user(user: User) -> QuerySet[PaymentList]:
    require_roles(user, DECISION_ROLES)
    return scope_to_communes(PaymentList.objects.all(), user)


def get_payment_list_for_user(user: User, pk: int) -> PaymentList:
    found = payment_lists_for_user(user).select_related("commune").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def can_work_on_cases(user: User, commune_code: int) -> bool:
    """Propose, review, refuse and pay: a commune officer of that commune."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role == Role.COMMUNE_OFFICER
        and user_can_act_in_commune(user, commune_code)
    )


def can_approve(user: User, commune_code: int) -> bool:
    """Decide grant, suspension and cessation: the chairman of that commune."""
    return can_work_on_cases(user, commune_code) and user.has_perm(APPROVE_PERMISSION)
