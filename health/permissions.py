"""Who may see and write a person's health data.

Health data is sensitive personal data (Law 91/2025/QH15): it is visible only to the person, to
the carers the person has named, and to health workers of the person's commune, and only while
the person's consent for health care is active. Province administrators and other staff do not
see it; they see commune indicators without names. Every read and write is audited by the
caller (accounts.services.audit_record).

Refusals follow accounts.permissions: 404 for a person outside the user's reach (so that their
existence is not revealed), 403 for a role that may not act at all.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import commune_codes_for_user
from health.models import Carer
from people.models import Consent, Person


class ConsentMissing(PermissionDenied):
    """The person has not (or no longer) consented to health care through the platform."""

    message_vi = (
        "Người này chưa đồng ý (hoặc đã rút lại sự đồng ý) cho việc chăm sóc sức khỏe. "
        "Hãy ghi nhận sự đồng ý trên trang hồ sơ của người đó trước."
    )
    message_en = (
        "This person has not consented (or has withdrawn consent) to health care. "
        "Record their consent on their registry page first."
    )


def has_health_consent(person: Person) -> bool:
    return Consent.objects.filter(
        person=person, purpose=Consent.Purpose.HEALTH, withdrawn_at__isnull=True
    ).exists()


def with_health_consent(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """Only the people whose consent for health care is active."""
    active = Consent.objects.filter(
        person=OuterRef("pk"), purpose=Consent.Purpose.HEALTH, withdrawn_at__isnull=True
    )
    return queryset.filter(Exists(active))


def is_health_worker(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.HEALTH_WORKER)


def patients_for(user: User) -> QuerySet[Person]:
    """The living people whose health data a health worker may see: their communes, consented."""
    if not is_health_worker(user):
        return Person.objects.none()
    codes = commune_codes_for_user(user) or set()
    living = Person.objects.filter(commune__in=codes, date_of_death__isnull=True)
    return with_health_consent(living)


def relation_to(user: User, person: Person) -> str:
    """How the user may see this person's health data: "self", "carer", "worker" or ""."""
    if not user.is_authenticated or not user.is_active:
        return ""
    if person.user_id is not None and person.user_id == user.pk:
        return "self"
    if user.role == Role.HEALTH_WORKER:
        codes = commune_codes_for_user(user) or set()
        return "worker" if person.commune_id in codes else ""
    if Carer.objects.filter(person=person, user=user, revoked_at__isnull=True).exists():
        return "carer"
    return ""


def require_health_access(user: User, person: Person, *, write: bool = False) -> str:
    """The user's relation to the person, or raise: 404 outside reach, ConsentMissing (403)
    without consent. Writes: the person themself (their own readings), carers and workers."""
    relation = relation_to(user, person)
    if not relation:
        raise Http404
    if not has_health_consent(person):
        raise ConsentMissing(ConsentMissing.message_en)
    return relation


def require_health_worker(user: User) -> None:
    if not is_health_worker(user):
        raise PermissionDenied


def scope_rows(queryset: QuerySet[Any], user: User, field: str = "person") -> QuerySet[Any]:
    """Health rows (alerts, tasks, readings, ...) a health worker may see."""
    return queryset.filter(**{f"{field}__in": patients_for(user)})


def require_reading_entry(user: User, person: Person) -> str:
    """Who may enter a reading for the person: those of require_health_access, and a helper of
    the person's commune sitting with them (a helper enters readings, never reads the book).
    Returns the relation ("self", "carer", "worker", "helper"); raises like
    require_health_access."""
    relation = relation_to(user, person)
    if not relation and user.is_authenticated and user.is_active and user.role == Role.HELPER:
        codes = commune_codes_for_user(user) or set()
        relation = "helper" if person.commune_id in codes else ""
    if not relation:
        raise Http404
    if not has_health_consent(person):
        raise ConsentMissing(ConsentMissing.message_en)
    return relation
