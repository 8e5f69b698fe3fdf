"""Read-only API over provinces, communes, villages and area status.

All of it is public government data, so no authentication is asked for; lists that can grow
(villages, area statuses) are paginated.
"""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from places import selectors
from places.models import AreaStatus, Commune, Province, Village

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


class CommuneDetailOut(Schema):
    code: int
    code_display: str = Field(description="The official code with leading zeros, e.g. 00004")
    name: str
    division_type: str
    province_code: int
    province_name: str
    village_count: int


class VillageOut(Schema):
    id: int
    name: str
    kind: str = Field(description="thon, ap, ban, to_dan_pho, khom or other")
    local_code: str
    commune_code: int

    @staticmethod
    def resolve_commune_code(obj: Village) -> int:
        return obj.commune_id


class AreaStatusOut(Schema):
    id: int
    commune_code: int = Field(description="The commune of the place (the village's commune)")
    village_id: int | None = Field(description="Null for a commune's own status (its region)")
    village_name: str | None
    status: str = Field(
        description="region_1, region_2, region_3, especially_difficult_village, em_area_village"
    )
    valid_from: date
    valid_to: date | None = Field(description="Last day it holds (inclusive); null if open")
    decision: str
    note: str

    @staticmethod
    def resolve_commune_code(obj: AreaStatus) -> int:
        return obj.village.commune_id if obj.village_id else obj.commune_id  # type: ignore[union-attr,return-value]

    @staticmethod
    def resolve_village_name(obj: AreaStatus) -> str | None:
        return obj.village.name if obj.village_id else None  # type: ignore[union-attr]


class AreaStatusQuery(Schema):
    commune: int | None = Field(None, description="Commune code: its statuses and its villages'")
    village: int | None = Field(None, description="Village id: only this village (and commune)")
    on: date | None = Field(None, description="Only statuses in force on this day, YYYY-MM-DD")


def _commune(code: int) -> Commune:
    commune = Commune.objects.select_related("province").filter(code=code).first()
    if commune is None:
        raise Http404
    return commune


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


@router.get(
    "/communes/{code}",
    response=CommuneDetailOut,
    auth=None,
    summary="One commune, ward or special zone",
)
def commune_detail(request: HttpRequest, code: int) -> dict[str, object]:
    commune = _commune(code)
    return {
        "code": commune.code,
        "code_display": commune.code_display,
        "name": commune.name,
        "division_type": commune.division_type,
        "province_code": commune.province_id,
        "province_name": commune.province.name,
        "village_count": Village.objects.filter(commune=commune).count(),
    }


@router.get(
    "/communes/{code}/villages",
    response=list[VillageOut],
    auth=None,
    summary="Villages of a commune (paginated)",
)
@paginate(PageNumberPagination)
def village_list(request: HttpRequest, code: int) -> QuerySet[Village]:
    commune = _commune(code)
    return Village.objects.filter(commune=commune).order_by("name_key", "id")


@router.get(
    "/area-status",
    response=list[AreaStatusOut],
    auth=None,
    summary="Area status of communes and villages, optionally on one day (paginated)",
    description=(
        "With `commune` and `village`, this is the lookup eligibility rules use: the village's "
        "own statuses plus its commune's region. Periods include both their first and last day."
    ),
)
@paginate(PageNumberPagination)
def area_status_list(request: HttpRequest, filters: Query[AreaStatusQuery]) -> QuerySet[AreaStatus]:
    return selectors.area_statuses(
        commune_code=filters.commune, village_id=filters.village, day=filters.on
    )
