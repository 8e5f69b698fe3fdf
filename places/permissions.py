"""Who may see and change villages, area statuses and imports.

Province administrators manage places for the whole province; commune officers read the
villages and statuses of their own communes. Objects outside a user's communes are 404 (their
existence is not revealed); a role that may read but not write gets 403.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from accounts.models import Role, User
from accounts.permissions import communes_for_user, require_roles
from places.models import AreaStatus, ImportRun, Village

READ_ROLES = (Role.PROVINCE_ADMIN, Role.COMMUNE_OFFICER)
WRITE_ROLES = (Role.PROVINCE_ADMIN,)


def get_village_for_user(user: User, pk: int, *, write: bool = False) -> Village:
    """A village of one of the user's communes, or 404; with write=True, 403 unless allowed."""
    require_roles(user, READ_ROLES)
    village = (
        Village.objects.select_related("commune__province")
        .filter(pk=pk, commune__in=communes_for_user(user))
        .first()
    )
    if village is None:
        raise Http404
    if write:
        require_roles(user, WRITE_ROLES)
    return village


def get_area_status_for_user(user: User, pk: int, *, write: bool = False) -> AreaStatus:
    """A status of one of the user's communes or of a village there, or 404 / 403."""
    require_roles(user, READ_ROLES)
    communes = communes_for_user(user)
    status = (
        AreaStatus.objects.select_related("commune", "village__commune")
        .filter(Q(commune__in=communes) | Q(village__commune__in=communes), pk=pk)
        .first()
    )
    if status is None:
        raise Http404
    if write:
        require_roles(user, WRITE_ROLES)
    return status


def get_import_run_for_user(user: User, pk: int) -> ImportRun:
    """Imports are the province administrators' work; others may not open their reports."""
    require_roles(user, WRITE_ROLES)
    run = ImportRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    return run
