"""Reads of places that are more than a one-line query.

`area_status_on` is the lookup the benefits rules use: which statuses hold for a place on a day.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.permissions import communes_for_user
from lib.vn_text import name_key
from places.models import AreaStatus, Commune, ImportRun, Village


def in_force_on(day: date, prefix: str = "") -> Q:
    """Rows whose period [valid_from, valid_to] contains the day; valid_to is inclusive."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def area_status_on(
    *, commune_code: int, village_id: int | None = None, day: date
) -> list[AreaStatus]:
    """The statuses that hold on `day` for the commune and, if given, its village.

    A village has its commune's region (I, II or III) and, in addition, its own statuses
    (especially difficult village, village of the ethnic-minority and mountainous area). Both
    dates of a period count: a status valid to 31/12/2025 still holds on that day. A village of
    another commune contributes nothing.
    """
    place = Q(commune_id=commune_code)
    if village_id is not None:
        place |= Q(village_id=village_id, village__commune_id=commune_code)
    return list(
        AreaStatus.objects.filter(place & in_force_on(day))
        .select_related("commune", "village")
        .order_by("status", "valid_from")
    )


def province_communes() -> QuerySet[Commune]:
    """The communes of the province this installation serves, by name."""
    return Commune.objects.filter(province_id=settings.PROVINCE_CODE).order_by("name")


def villages_for_user(
    user: User, *, commune_code: int | None = None, query: str = "", day: date | None = None
) -> QuerySet[Village]:
    """Villages in the user's communes, optionally of one commune and matching a name.

    The name is matched without diacritics, so "hoa binh" finds "Ấp Hòa Bình". With `day`,
    each village carries `statuses_today`: its own statuses in force that day.
    """
    villages = Village.objects.filter(commune__in=communes_for_user(user)).select_related("commune")
    if commune_code is not None:
        villages = villages.filter(commune_id=commune_code)
    key = name_key(query)
    if key:
        villages = villages.filter(name_key__contains=key)
    if day is not None:
        villages = villages.prefetch_related(
            Prefetch(
                "area_statuses",
                queryset=AreaStatus.objects.filter(in_force_on(day)).order_by("status"),
                to_attr="statuses_today",
            )
        )
    return villages.order_by("commune__name", "name_key")


def area_statuses_for_user(
    user: User,
    *,
    commune_code: int | None = None,
    status: str = "",
    day: date | None = None,
) -> QuerySet[AreaStatus]:
    """Statuses of the user's communes and of their villages, newest period first."""
    communes = communes_for_user(user)
    rows = AreaStatus.objects.filter(
        Q(commune__in=communes) | Q(village__commune__in=communes)
    ).select_related("commune", "village__commune")
    if commune_code is not None:
        rows = rows.filter(Q(commune_id=commune_code) | Q(village__commune_id=commune_code))
    if status:
        rows = rows.filter(status=status)
    if day is not None:
        rows = rows.filter(in_force_on(day))
    return rows.order_by("-valid_from", "status", "id")


def area_statuses(
    *, commune_code: int | None = None, village_id: int | None = None, day: date | None = None
) -> QuerySet[AreaStatus]:
    """Statuses of any commune of the country (public data), with their villages' statuses."""
    rows = AreaStatus.objects.select_related("commune", "village")
    if commune_code is not None:
        place = Q(commune_id=commune_code)
        if village_id is None:
            place |= Q(village__commune_id=commune_code)
        else:
            place |= Q(village_id=village_id, village__commune_id=commune_code)
        rows = rows.filter(place)
    elif village_id is not None:
        rows = rows.filter(village_id=village_id)
    if day is not None:
        rows = rows.filter(in_force_on(day))
    return rows.order_by("-valid_from", "status", "id")


def recent_imports(kind: str, limit: int = 10) -> list[ImportRun]:
    return list(
        ImportRun.objects.filter(kind=kind)
        .select_related("actor")
        .defer("rejected", "columns")
        .order_by("-created_at", "-id")[:limit]
    )
