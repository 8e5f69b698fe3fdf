"""Who may see and change corners, appointments, queues, classes and skills.

Corners are public: anyone may find one, book a slot or a place in a class. Behind the counter,
helpers, commune officers and province administrators work with the corners of their communes;
commune officers and province administrators create and describe corners and their teams, and
a helper who is an active member of a corner may also change its opening hours and closures.
Objects outside a user's communes are 404 so that their existence is not revealed; a role that
may read but not change gets 403.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import require_roles, scope_to_communes
from help.models import (
    Appointment,
    Attachment,
    Case,
    Corner,
    GroupSession,
    QueueToken,
    Referral,
    SessionSeat,
)

# Roles that work at corners: the queue, appointments, classes, skills.
STAFF_ROLES = (Role.HELPER, Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)
# Roles that create corners and decide who serves in them.
CORNER_ADMIN_ROLES = (Role.COMMUNE_OFFICER, Role.PROVINCE_ADMIN)


def can_edit_corner(user: User) -> bool:
    return user.is_authenticated and user.role in CORNER_ADMIN_ROLES


def can_edit_hours(user: User, corner: Corner) -> bool:
    """Officers and administrators of the commune, and the corner's own active helpers."""
    if can_edit_corner(user):
        return True
    return (
        user.is_authenticated
        and user.role == Role.HELPER
        and corner.members.filter(user=user, is_active=True).exists()
    )


def corners_for_user(user: User) -> QuerySet[Corner]:
    """The corners a staff user works with (active or not), or 403."""
    require_roles(user, STAFF_ROLES)
    return scope_to_communes(Corner.objects.select_related("commune", "village"), user)


def get_corner_for_user(user: User, pk: int, *, write: bool = False, hours: bool = False) -> Corner:
    """A corner in the user's communes, or 404; write=True: officers only; hours=True: also
    the corner's helpers (403 otherwise)."""
    corner = corners_for_user(user).filter(pk=pk).first()
    if corner is None:
        raise Http404
    if write:
        require_roles(user, CORNER_ADMIN_ROLES)
    if hours and not can_edit_hours(user, corner):
        require_roles(user, CORNER_ADMIN_ROLES)
    return corner


def get_public_corner(pk: int) -> Corner:
    """A corner open to the public, for the citizen pages; 404 when closed or unknown."""
    corner = Corner.objects.select_related("commune", "village").filter(pk=pk, is_active=True)
    found = corner.first()
    if found is None:
        raise Http404
    return found


def get_appointment_for_user(user: User, pk: int) -> Appointment:
    require_roles(user, STAFF_ROLES)
    rows = scope_to_communes(
        Appointment.objects.select_related("corner", "corner__commune", "helper", "person"),
        user,
        "corner__commune",
    )
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_token_for_user(user: User, pk: int) -> QueueToken:
    require_roles(user, STAFF_ROLES)
    rows = scope_to_communes(
        QueueToken.objects.select_related("corner", "corner__commune", "appointment", "person"),
        user,
        "corner__commune",
    )
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_session_for_user(user: User, pk: int) -> GroupSession:
    require_roles(user, STAFF_ROLES)
    rows = scope_to_communes(
        GroupSession.objects.select_related("corner", "corner__commune", "helper"),
        user,
        "corner__commune",
    )
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_seat_for_user(user: User, pk: int) -> SessionSeat:
    require_roles(user, STAFF_ROLES)
    rows = scope_to_communes(
        SessionSeat.objects.select_related("session", "session__corner"),
        user,
        "session__corner__commune",
    )
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# Cases
# Helpers, commune officers and province administrators work on the cases of their communes.
# A health worker sees none; a citizen reaches their own question only by phone and case code.
CASE_ROLES = STAFF_ROLES
# Roles that see the commune dashboards (a province administrator also sees the province's).
CASE_DASHBOARD_ROLES = STAFF_ROLES


def cases_for_user(user: User) -> QuerySet[Case]:
    """The cases of the user's communes, or 403 for roles that work on none."""
    require_roles(user, CASE_ROLES)
    return scope_to_communes(
        Case.objects.select_related("commune", "corner", "person", "assigned_to"), user
    )


def get_case_for_user(user: User, pk: int) -> Case:
    """A case of the user's communes, or 404 (403 for roles that work on no case)."""
    found = cases_for_user(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_attachment_for_user(user: User, case_pk: int, pk: int) -> Attachment:
    """A case's attachment, for someone who may open the case; 404 otherwise."""
    case = get_case_for_user(user, case_pk)
    found = Attachment.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    found.case = case
    return found


def get_referral_for_user(user: User, pk: int) -> Referral:
    """A referral of a case of the user's communes, or 404."""
    require_roles(user, CASE_ROLES)
    rows = scope_to_communes(
        Referral.objects.select_related("case", "case__commune"), user, "case__commune"
    )
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def can_turn_into_faq(user: User, case: Case) -> bool:
    """Whoever may write the commune's knowledge articles may make an answer an FAQ draft."""
    from knowledge.models import Article
    from knowledge.permissions import can_edit

    return can_edit(user, Article(commune_id=case.commune_id))
