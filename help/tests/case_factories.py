"""Small factories for the case tests: a corner written straight to the table, and a case
opened through the service."""

from __future__ import annotations

from typing import Any

from help import case_services
from help.models import Case, Corner, CornerService


def corner(commune: Any, name: str = "Điểm chuyển đổi số phường Bạc Liêu", **extra: Any) -> Corner:
    fields: dict[str, Any] = {"address": "12 Trần Phú, khóm 3", "slot_minutes": 20, "desks": 2}
    fields.update(extra)
    topics = fields.pop("topics", ["vneid", "hi_app", "question"])
    made = Corner.objects.create(commune=commune, name=name, **fields)
    CornerService.objects.bulk_create(CornerService(corner=made, topic=t) for t in topics)
    return made


def case(actor: Any, at: Corner, **extra: Any) -> Case:
    fields: dict[str, Any] = {
        "channel": "walk_in",
        "topic": "vneid",
        "summary": "Kích hoạt VNeID mức 2",
        "name": "Thạch Thị Sà Quân",
        "phone": "0912 000 111",
    }
    fields.update(extra)
    return case_services.case_open(actor=actor, corner=at, **fields)
