"""Reads for accounts: the filtered user list and the filtered audit log."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AuditEntry, User
from lib.vn_text import fold

_PHONE_LIKE = re.compile(r"^[\d\s+().-]+$")


def users_filtered(
    *, q: str = "", role: str = "", commune: int | None = None, active: bool | None = None
) -> QuerySet[User]:
    """Users matching a search typed with or without diacritics, by name, username or phone.

    Every word of the query must appear; a query of digits is matched against the phone
    number in its national form (0912 345 678), whichever way it was typed.
    """
    users = User.objects.prefetch_related("communes").order_by("username")
    if role:
        users = users.filter(role=role)
    if commune is not None:
        users = users.filter(communes=commune)
    if active is not None:
        users = users.filter(is_active=active)
    query = q.strip()
    if query and _PHONE_LIKE.match(query) and any(ch.isdigit() for ch in query):
        digits = "".join(ch for ch in query if ch.isdigit())
        if query.lstrip().startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
            digits = "0" + digits[2:]
        users = users.filter(search_key__contains=digits)
    elif query:
        for term in fold(query).split():
            users = users.filter(search_key__contains=term)
    return users


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    commune_code: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, filtered; dates are whole days in local time (inclusive)."""
    entries = AuditEntry.objects.order_by("-at", "-id")
    if actor.strip():
        # Exact matches (as typed, or in lower case as usernames usually are) use the index.
        entries = entries.filter(actor_label__in={actor.strip(), actor.strip().lower()})
    if action:
        entries = entries.filter(action=action)
    if object_type.strip():
        entries = entries.filter(object_type=object_type.strip())
    if commune_code is not None:
        entries = entries.filter(commune_code=commune_code)
    if date_from is not None:
        entries = entries.filter(at__gte=_local_midnight(date_from))
    if date_to is not None:
        entries = entries.filter(at__lt=_local_midnight(date_to + timedelta(days=1)))
    return entries
