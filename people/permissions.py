"""Who may see and change people, households, consents and merges.

Helpers and health workers read the people of their communes; commune officers also write
them; province administrators do everything in the province; a citizen sees only their own
record (Person.user). Records outside a user's reach are 404 so that their existence is not
revealed; a role that may read but not write gets 403.
"""

from __future__ import annotations

from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import require_roles, scope_to_communes
from people.models import Consent, Household, Person, PersonMerge

READ_ROLES = (Role.HELPER, Role.HEALTH_WORKER, Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
WRITE_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
# Health data (HIV status) is shown to these roles only.
SENSITIVE_ROLES = (Role.HEALTH_WORKER, Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
EXPORT_ROLES = (Role.PROVINCE_ADMIN,)


def can_write(user: User) -> bool:
    return user.is_authenticated and user.role in WRITE_ROLES


def can_see_sensitive(user: User) -> bool:
    return user.is_authenticated and user.role in SENSITIVE_ROLES


def people_for_user(user: User):  # type: ignore[no-untyped-def]
    """The people a staff user may read (merged records included), or 403."""
    require_roles(user, READ_ROLES)
    return scope_to_communes(Person.objects.all(), user)


def get_person_for_user(user: User, pk: int, *, write: bool = False) -> Person:
    """A person the user may read (with write=True: change), or 404 / 403."""
    if user.is_authenticated and user.role == Role.CITIZEN:
        person = Person.objects.select_related("commune", "village", "household").filter(
            pk=pk, user=user
        )
        found = person.first()
        if found is None:
            raise Http404
        if write:
            require_roles(user, WRITE_ROLES)
        return found
    found = (
        people_for_user(user)
        .select_related("commune", "village", "household", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    if write:
        require_roles(user, WRITE_ROLES)
    return found


def get_own_person(user: User) -> Person | None:
    """The citizen's own record, if their account is linked to one."""
    require_roles(user, (Role.CITIZEN,))
    return (
        Person.objects.select_related("commune", "village", "household")
        .filter(user=user, merged_into__isnull=True)
        .first()
    )


def get_household_for_user(user: User, pk: int, *, write: bool = False) -> Household:
    require_roles(user, READ_ROLES)
    found = (
        scope_to_communes(Household.objects.select_related("commune", "village"), user)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    if write:
        require_roles(user, WRITE_ROLES)
    return found


def get_consent_for_user(user: User, pk: int) -> Consent:
    """A consent the user may withdraw: staff of the person's commune, or the person."""
    consent = Consent.objects.select_related("person").filter(pk=pk).first()
    if consent is None:
        raise Http404
    if user.is_authenticated and user.role == Role.CITIZEN:
        if consent.person.user_id != user.pk:
            raise Http404
        return consent
    get_person_for_user(user, consent.person_id)
    return consent


def get_merge_for_user(user: User, pk: int) -> PersonMerge:
    """A merge both of whose records are in the user's communes; only writers may undo it."""
    require_roles(user, WRITE_ROLES)
    merge = PersonMerge.objects.select_related("kept", "merged").filter(pk=pk).first()
    if merge is None:
        raise Http404
    get_person_for_user(user, merge.kept_id, write=True)
    get_person_for_user(user, merge.merged_id, write=True)
    return merge


def link_requests_for_user(user: User):  # type: ignore[no-untyped-def]
    """The citizens' pending "this is me" requests an officer may decide (their communes)."""
    require_roles(user, WRITE_ROLES)
    from people.models import AccountLinkRequest

    return scope_to_communes(
        AccountLinkRequest.objects.filter(status=AccountLinkRequest.Status.PENDING),
        user,
        "person__commune",
    )


def get_link_request_for_user(user: User, pk: int):  # type: ignore[no-untyped-def]
    """A pending request of the officer's communes, or 404 (403 for roles that may not)."""
    found = link_requests_for_user(user).select_related("person", "user").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
