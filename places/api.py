"""Read-only API over provinces, communes, villages and area status."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from places.models import Commune, Province

router = Router(tags=["places"])


class ProvinceOut(Schema):
    code: int
    name: str
    division_type: str


class CommuneOut(Schema):
    code: int
    name: str
    division_type: str
    province_code: int


@router.get("/provinces", response=list[ProvinceOut], auth=None, summary="All 34 provinces")
def province_list(request: HttpRequest) -> list[Province]:
    return list(Province.objects.all())


@router.get(
    "/provinces/{code}/communes",
    response=list[CommuneOut],
    auth=None,
    summary="Communes, wards and special zones of a province",
)
def commune_list(request: HttpRequest, code: int) -> list[dict[str, object]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "division_type": c.division_type,
            "province_code": c.province_id,
        }
        for c in Commune.objects.filter(province_id=code).order_by("name")
    ]
