"""Staff pages for villages and area status: lists, forms, CSV imports and their reports.

Province administrators add, correct and import; commune officers read their own communes.
Every view is permissions -> form -> service -> redirect (or render).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.permissions import communes_for_user, get_commune_for_user, role_required
from places import forms, selectors, services
from places.imports import ImportRefused, rejects_csv
from places.models import ImportRun
from places.permissions import (
    READ_ROLES,
    WRITE_ROLES,
    get_area_status_for_user,
    get_import_run_for_user,
    get_village_for_user,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page:
    return Paginator(rows, forms.PAGE_SIZE).get_page(request.GET.get("page"))


def _csv_response(text: str, filename: str) -> HttpResponse:
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# Villages ------------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def village_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    form = forms.VillageFilterForm(request.GET or None, communes=communes)
    commune_code, query = None, ""
    if form.is_valid():
        commune_code, query = form.cleaned_data["commune"], form.cleaned_data["q"]
    today = timezone.localdate()
    villages = selectors.villages_for_user(user, commune_code=commune_code, query=query, day=today)
    return render(
        request,
        "places/village_list.html",
        {
            "form": form,
            "page": _page(request, villages),
            "today": today,
            "can_write": user.role in WRITE_ROLES,
        },
    )


@role_required(*READ_ROLES)
def village_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    village = get_village_for_user(user, pk)
    today = timezone.localdate()
    return render(
        request,
        "places/village_detail.html",
        {
            "village": village,
            "today": today,
            "in_force": selectors.area_status_on(
                commune_code=village.commune_id, village_id=village.pk, day=today
            ),
            "history": selectors.area_statuses(
                commune_code=village.commune_id, village_id=village.pk
            ),
            "can_write": user.role in WRITE_ROLES,
        },
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def village_create(request: HttpRequest) -> HttpResponse:
    communes = selectors.province_communes()
    initial = {"commune": request.GET.get("commune")} if request.GET.get("commune") else None
    form = forms.VillageForm(request.POST or None, communes=communes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            village = services.village_create(
                commune_code=form.cleaned_data["commune"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                local_code=form.cleaned_data["local_code"],
                actor=_user(request),
                request=request,
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, _("The village “%(name)s” was added.") % {"name": village})
            return redirect("places:village_detail", pk=village.pk)
    return render(request, "places/village_form.html", {"form": form, "village": None})


@role_required(*READ_ROLES)
@require_http_methods(["GET", "POST"])
def village_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    village = get_village_for_user(user, pk, write=True)
    form = forms.VillageForm(
        request.POST or None, communes=selectors.province_communes(), village=village
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.village_update(
                village=village,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                local_code=form.cleaned_data["local_code"],
                actor=user,
                request=request,
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, _("The village “%(name)s” was saved.") % {"name": village})
            return redirect("places:village_detail", pk=village.pk)
    return render(request, "places/village_form.html", {"form": form, "village": village})


# Imports -------------------------------------------------------------------------------------

_IMPORTERS = {
    ImportRun.Kind.VILLAGES: services.village_import_csv,
    ImportRun.Kind.AREA_STATUS: services.area_status_import_csv,
}


def _import(request: HttpRequest, kind: str) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = _IMPORTERS[kind](
                data=upload.read(),
                filename=upload.name,
                actor=_user(request),
                request=request,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportRefused as refused:
            form.add_error("file", str(refused))
        else:
            return redirect("places:import_run", pk=report.run_id)
    return render(
        request,
        "places/import_form.html",
        {"form": form, "kind": kind, "recent": selectors.recent_imports(kind)},
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def village_import(request: HttpRequest) -> HttpResponse:
    return _import(request, ImportRun.Kind.VILLAGES)


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def area_status_import(request: HttpRequest) -> HttpResponse:
    return _import(request, ImportRun.Kind.AREA_STATUS)


@role_required(*WRITE_ROLES)
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_import_run_for_user(_user(request), pk)
    return render(request, "places/import_run.html", {"run": run})


@role_required(*WRITE_ROLES)
def import_run_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_import_run_for_user(_user(request), pk)
    stem = PurePath(run.filename).stem or "import"
    return _csv_response(rejects_csv(run.columns, run.rejected), f"{stem}.rejects.csv")


def _sample_communes() -> list[str]:
    codes = list(selectors.province_communes().values_list("code", flat=True)[:2])
    return [f"{code:05d}" for code in codes] or ["31825", "32002"]


@role_required(*WRITE_ROLES)
def village_import_sample(request: HttpRequest) -> HttpResponse:
    first, second = (_sample_communes() * 2)[:2]
    text = (
        "commune_code,name,kind,local_code\r\n"
        f"{first},Ấp Hòa Bình,ap,HB\r\n"
        f"{first},Ấp Cây Dương,ấp,\r\n"
        f"{first},Khóm 1,khom,K01\r\n"
        f"{second},Tổ dân phố 3,tổ dân phố,TDP03\r\n"
        f"{second},Bản Nà Cài,ban,\r\n"
    )
    return _csv_response(text, "villages-sample.csv")


@role_required(*WRITE_ROLES)
def area_status_import_sample(request: HttpRequest) -> HttpResponse:
    first, second = (_sample_communes() * 2)[:2]
    text = (
        "commune_code,village,status,valid_from,valid_to,decision,note\r\n"
        f"{first},,region_3,2021-06-04,2025-12-31,861/QĐ-TTg,\r\n"
        f"{first},,khu vực I,01/01/2026,,60/QĐ-BDTTG,\r\n"
        f"{first},Ấp Hòa Bình,thôn ĐBKK,2026-01-01,,60/QĐ-BDTTG,\r\n"
        f"{second},Bản Nà Cài,em_area_village,2026-01-01,,60/QĐ-BDTTG,Phụ lục II\r\n"
    )
    return _csv_response(text, "area-status-sample.csv")


# Area status ---------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def area_status_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    communes = communes_for_user(user).order_by("name")
    form = forms.AreaStatusFilterForm(request.GET or None, communes=communes)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "commune_code": form.cleaned_data["commune"],
            "status": form.cleaned_data["status"],
            "day": form.cleaned_data["on"],
        }
    rows = selectors.area_statuses_for_user(user, **filters)
    return render(
        request,
        "places/area_status_list.html",
        {
            "form": form,
            "page": _page(request, rows),
            "can_write": user.role in WRITE_ROLES,
            "today": timezone.localdate(),
        },
    )


@role_required(*WRITE_ROLES)
@require_http_methods(["GET", "POST"])
def area_status_create(request: HttpRequest) -> HttpResponse:
    initial = {"valid_from": timezone.localdate()}
    if request.GET.get("commune", "").isdigit():
        initial["commune"] = get_commune_for_user(_user(request), int(request.GET["commune"])).code
        initial["village"] = request.GET.get("village", "")
    form = forms.AreaStatusForm(
        request.POST or None, communes=selectors.province_communes(), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.area_status_create(
                commune_code=data["commune"],
                village_name=data["village"],
                status=data["status"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                decision=data["decision"],
                note=data["note"],
                actor=_user(request),
                request=request,
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, _("The area status was recorded."))
            return redirect(f"{reverse('places:area_status_list')}?commune={data['commune']}")
    return render(request, "places/area_status_form.html", {"form": form})


@role_required(*READ_ROLES)
@require_http_methods(["GET", "POST"])
def area_status_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    area_status = get_area_status_for_user(user, pk, write=True)
    form = forms.AreaStatusEndForm(
        request.POST or None,
        initial={"valid_to": area_status.valid_to or timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.area_status_end(
                area_status=area_status,
                valid_to=form.cleaned_data["valid_to"],
                actor=user,
                request=request,
            )
        except ValidationError as error:
            forms.add_service_errors(form, error)
        else:
            messages.success(request, _("The end date was saved."))
            return redirect("places:area_status_list")
    return render(
        request, "places/area_status_end.html", {"form": form, "area_status": area_status}
    )
