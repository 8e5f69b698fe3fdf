"""Small factories for the corners tests: a corner with weekday hours and a team."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from help import services
from help.models import Corner, Language

# A Monday in the future; tests freeze time at 08:00 local on the Friday before.
MONDAY = date(2026, 3, 2)
FRIDAY_MORNING = "2026-02-27 08:00:00+07:00"


def corner(commune: Any, *, name: str = "Điểm CĐS phường Bạc Liêu", **extra: Any) -> Corner:
    fields: dict[str, Any] = {
        "address": "12 Trần Phú, khóm 3",
        "slot_minutes": 30,
        "desks": 1,
    }
    fields.update(extra)
    topics = fields.pop("topics", ["vneid", "hi_app", "payment"])
    made = services.corner_create(
        commune_code=commune.code, name=name, topics=topics, by=None, **fields
    )
    services.corner_hours_set(
        corner=made,
        intervals=[
            (day, start, end)
            for day in range(5)
            for start, end in ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
        ],
        by=None,
    )
    return made


def member(made: Corner, user: Any, languages: tuple[str, ...] = (Language.VIETNAMESE,)) -> Any:
    return services.member_add(corner=made, user=user, languages=languages, by=None)


def at(day: Any, hour: int, minute: int = 0) -> datetime:
    from help.selectors import at_local

    return at_local(day, time(hour, minute))
