"""Pages of health monitoring: entering readings, a worker's patients and queue, one person's
chart, thresholds and overrides, devices, commune indicators.

Every view is permissions -> form -> service -> redirect (or render); every page that shows a
person's health data writes an audit entry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role, User
from accounts.permissions import communes_for_user, require_roles, role_required
from health.models import Alert, CareTask, Device, ThresholdOverride
from health.monitoring import chart as chart_lib
from health.monitoring import forms, selectors, services
from health.monitoring.codes import KINDS
from health.permissions import (
    ConsentMissing,
    patients_for,
    require_health_access,
    require_health_worker,
    require_reading_entry,
)
from people.models import Person

PAGE_SIZE = 40
ADVICE = {
    1: gettext_lazy(
        "This reading is dangerous. Call 115 or go to the health station now; the commune "
        "health worker has been told."
    ),
    2: gettext_lazy(
        "This reading needs attention today. The commune health worker has been told and will "
        "contact you."
    ),
    3: gettext_lazy(
        "This reading is outside the target. The health worker will call in the next days."
    ),
    4: gettext_lazy(
        "Saved. This reading is a little outside the target; keep measuring as planned."
    ),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _base(relation: str) -> str:
    """Citizens and their carers see the plain site; staff see their workspace."""
    return "base.html" if relation in ("self", "carer") else "staff_base.html"


def _consent_gate(request: HttpRequest, person: Person) -> HttpResponse:
    return render(
        request,
        "health/monitoring/consent_missing.html",
        {
            "base_template": _base("self" if _user(request).is_citizen else "worker"),
            "person": person,
            "message_vi": ConsentMissing.message_vi,
            "message_en": ConsentMissing.message_en,
        },
        status=403,
    )


def _patient(user: User, pk: int) -> Person:
    """A patient of the health worker (404 otherwise); consent is checked by the caller."""
    require_health_worker(user)
    return get_object_or_404(patients_for(user).select_related("commune", "village"), pk=pk)


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


# Entering a reading -------------------------------------------------------------------------------


def _enter(request: HttpRequest, person: Person, relation: str, back: str) -> HttpResponse:
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    context: dict[str, Any] = {
        "person": person,
        "relation": relation,
        "base_template": _base(relation),
        "kinds": list(forms.KIND_LABELS.items()),
        "back": back,
    }
    if kind not in KINDS:
        return render(request, "health/monitoring/reading_kind.html", context)
    form = forms.ReadingForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        sender = services.Sender(user=_user(request), request=request, via="web")
        [result] = services.readings_ingest(
            items=[{**form.item(), "person": person}], sender=sender
        )
        if result.status == "rejected":
            form.add_error(None, f"{result.message} / {result.message_en}")
        else:
            english = (get_language() or "vi").startswith("en")
            if result.advice_severity is not None:
                detail = result.advice_en if english else result.advice_vi
                level = messages.ERROR if result.advice_severity <= 2 else messages.WARNING
                messages.add_message(request, level, f"{ADVICE[result.advice_severity]} {detail}")
            else:
                messages.success(request, _("The reading was saved. Thank you."))
            if result.flag:
                messages.warning(
                    request,
                    _("The value looks unusual; if it was a typing mistake, enter it again."),
                )
            return redirect(f"{request.path}?kind={kind}")
    context.update({"form": form, "kind": kind, "kind_label": forms.KIND_LABELS[kind]})
    return render(request, "health/monitoring/reading_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_reading_add(request: HttpRequest) -> HttpResponse:
    """The citizen's own page: big inputs, one measurement at a time."""
    person = Person.objects.filter(user=_user(request)).select_related("commune").first()
    if person is None:
        raise Http404
    try:
        relation = require_reading_entry(_user(request), person)
    except ConsentMissing:
        return _consent_gate(request, person)
    return _enter(request, person, relation, reverse("health:my_readings"))


@login_required
@require_http_methods(["GET", "POST"])
def reading_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A health worker, a helper or a named carer enters a reading with the person."""
    person = get_object_or_404(Person.objects.select_related("commune"), pk=pk)
    try:
        relation = require_reading_entry(_user(request), person)
    except ConsentMissing:
        return _consent_gate(request, person)
    back = reverse("health:readings", args=[pk]) if relation != "helper" else ""
    return _enter(request, person, relation, back)


# A person's chart -------------------------------------------------------------------------------


def _chart_page(request: HttpRequest, person: Person, relation: str) -> HttpResponse:
    user = _user(request)
    available = selectors.kinds_with_readings(person)
    form = forms.ChartForm(request.GET or {"kind": available[0] if available else "bp", "days": 90})
    kind, days = "bp", 90
    if form.is_valid():
        kind, days = form.cleaned_data["kind"], form.cleaned_data["days"]
    end = timezone.localtime()
    start = end - timedelta(days=days)
    readings = selectors.series(person, kind, start)
    labels = (_("Systolic"), _("Diastolic")) if kind == "bp" else (str(forms.KIND_LABELS[kind]), "")
    chart = chart_lib.build(
        kind, [(r.measured_at, r.value, r.value2) for r in readings], start, end, labels
    )
    services.person_view_record(
        actor=user, person=person, what=f"chart {kind} {days}d", request=request
    )
    rows = [(r, selectors.show_value(kind, r.value, r.value2)) for r in reversed(readings)]
    return render(
        request,
        "health/monitoring/chart.html",
        {
            "person": person,
            "relation": relation,
            "base_template": _base(relation),
            "form": form,
            "kind": kind,
            "kind_label": forms.KIND_LABELS[kind],
            "days": days,
            "chart": chart,
            "rows": rows,
            "alerts": selectors.person_alerts(person) if relation == "worker" else [],
            "overrides": selectors.active_overrides(person),
            "start": start,
            "end": end,
        },
    )


@login_required
def readings(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("commune", "village"), pk=pk)
    try:
        relation = require_health_access(_user(request), person)
    except ConsentMissing:
        return _consent_gate(request, person)
    return _chart_page(request, person, relation)


@login_required
def my_readings(request: HttpRequest) -> HttpResponse:
    person = Person.objects.filter(user=_user(request)).select_related("commune").first()
    if person is None:
        raise Http404
    try:
        relation = require_health_access(_user(request), person)
    except ConsentMissing:
        return _consent_gate(request, person)
    return _chart_page(request, person, relation)


# The health worker's lists ------------------------------------------------------------------------


@role_required(Role.HEALTH_WORKER)
def patients(request: HttpRequest) -> HttpResponse:
    """My patients: the most urgent first, with their latest readings and trends."""
    user = _user(request)
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.patients_queryset(user, q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = selectors.patient_rows(list(page))
    services.list_view_record(
        actor=user, what="patients", people=[r.person.pk for r in rows], request=request
    )
    return render(
        request,
        "health/monitoring/patients.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "kinds": [forms.KIND_LABELS[k] for k in selectors.SHOWN_KINDS],
        },
    )


@role_required(Role.HEALTH_WORKER)
def queue(request: HttpRequest) -> HttpResponse:
    """Open alerts and tasks, most urgent first, with their actions."""
    user = _user(request)
    alerts = list(selectors.open_alerts(user)[:100])
    tasks = list(selectors.open_tasks(user)[:100])
    services.list_view_record(
        actor=user,
        what="alerts and tasks",
        people=[a.person_id for a in alerts] + [t.person_id for t in tasks],
        request=request,
    )
    return render(
        request,
        "health/monitoring/queue.html",
        {
            "alerts": alerts,
            "tasks": tasks,
            "now": timezone.now(),
            "task_form": forms.TaskDoneForm(),
        },
    )


def _alert(user: User, pk: int) -> Alert:
    require_health_worker(user)
    return get_object_or_404(
        Alert.objects.filter(person__in=patients_for(user)).select_related(
            "person__village", "reading", "acknowledged_by", "resolved_by"
        ),
        pk=pk,
    )


@role_required(Role.HEALTH_WORKER)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    alert = _alert(user, pk)
    services.person_view_record(
        actor=user, person=alert.person, what=f"alert {alert.pk}", request=request
    )
    return render(
        request,
        "health/monitoring/alert.html",
        {
            "alert": alert,
            "tasks": list(alert.tasks.order_by("priority", "due_at")),
            "snooze_form": forms.SnoozeForm(),
            "resolve_form": forms.ResolveForm(),
            "task_form": forms.TaskDoneForm(),
        },
    )


@role_required(Role.HEALTH_WORKER)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(_user(request), pk)
    services.alert_acknowledge(alert=alert, actor=_user(request), request=request)
    messages.success(request, _("You are dealing with this alert; it will not be escalated."))
    return redirect("health:alert", pk=pk)


@role_required(Role.HEALTH_WORKER)
@require_POST
def alert_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(_user(request), pk)
    form = forms.SnoozeForm(request.POST)
    if form.is_valid():
        try:
            services.alert_snooze(
                alert=alert, actor=_user(request), hours=form.cleaned_data["hours"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The alert is put aside; it comes back by itself."))
    else:
        messages.error(request, _("Choose how long to put the alert aside."))
    return redirect("health:alert", pk=pk)


@role_required(Role.HEALTH_WORKER)
@require_POST
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(_user(request), pk)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        services.alert_resolve(
            alert=alert,
            actor=_user(request),
            resolution=form.cleaned_data["resolution"],
            request=request,
        )
        messages.success(request, _("The alert is closed."))
        return redirect("health:queue")
    messages.error(request, _("Say what was done before closing the alert."))
    return redirect("health:alert", pk=pk)


@role_required(Role.HEALTH_WORKER)
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = get_object_or_404(
        CareTask.objects.filter(person__in=patients_for(user)).select_related("alert"), pk=pk
    )
    form = forms.TaskDoneForm(request.POST)
    if form.is_valid():
        services.task_complete(
            task=task,
            actor=user,
            outcome=form.cleaned_data["outcome"],
            resolve_alert=form.cleaned_data["resolve_alert"],
            request=request,
        )
        messages.success(request, _("The task is done."))
    else:
        messages.error(request, _("Write the outcome of the task."))
    return redirect(request.POST.get("next") or reverse("health:queue"))


# Thresholds and overrides -------------------------------------------------------------------


def _rule_rows(rule_set: Any) -> list[dict[str, Any]]:
    rows = []
    for rule in rule_set.rules:
        if rule.sweep_days is not None:
            condition = f"≥ {rule.sweep_days}"
        elif rule.gain is not None:
            condition = f"+{rule.gain} kg / {rule.within_days}"
        else:
            names = {"value": "", "value2": "(2) "}
            condition = " · ".join(
                f"{names[c.measure]}{c.op} {c.number}".strip() for c in rule.conditions
            )
        rows.append(
            {
                "rule": rule,
                "kind": forms.KIND_LABELS.get(rule.kind, ""),
                "condition": condition,
                "severity": Alert.Severity(rule.outcome.severity).label,
                "confirm": rule.confirm_minutes,
            }
        )
    return rows


@login_required
def thresholds(request: HttpRequest) -> HttpResponse:
    """The thresholds in force, each with its source: defaults for clinical leads to confirm."""
    require_roles(_user(request), [Role.HEALTH_WORKER, Role.PROVINCE_ADMIN])
    rule_set, version = services.active_rule_set()
    return render(
        request,
        "health/monitoring/thresholds.html",
        {"rule_set": rule_set, "version": version, "rows": _rule_rows(rule_set)},
    )


@role_required(Role.HEALTH_WORKER)
@require_http_methods(["GET", "POST"])
def overrides(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = _patient(user, pk)
    rule_set, _version = services.active_rule_set()
    choices = [(r.id, r.id) for r in rule_set.rules if r.sweep_days is None]
    form = forms.OverrideForm(request.POST or None, rules=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.threshold_override_set(
                person=person, actor=user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The person's own threshold is saved."))
            return redirect("health:overrides", pk=pk)
    services.person_view_record(actor=user, person=person, what="thresholds", request=request)
    return render(
        request,
        "health/monitoring/overrides.html",
        {
            "person": person,
            "form": form,
            "overrides": selectors.active_overrides(person),
            "rows": _rule_rows(rule_set),
        },
    )


@role_required(Role.HEALTH_WORKER)
@require_POST
def override_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    override = get_object_or_404(
        ThresholdOverride.objects.filter(person__in=patients_for(user)).select_related("person"),
        pk=pk,
    )
    services.threshold_override_end(override=override, actor=user, request=request)
    messages.success(request, _("The default threshold applies again."))
    return redirect("health:overrides", pk=override.person_id)


# Devices ------------------------------------------------------------------------------------------


def _show_token(request: HttpRequest, raw: str) -> None:
    messages.warning(
        request,
        _("Copy the device token now; it is shown only once: %(token)s") % {"token": raw},
    )


@role_required(Role.HEALTH_WORKER)
@require_http_methods(["GET", "POST"])
def person_devices(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = _patient(user, pk)
    form = forms.DeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _device, raw = services.device_create(
                label=form.cleaned_data["label"],
                commune_id=person.commune_id,
                person=person,
                actor=user,
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            _show_token(request, raw)
            return redirect("health:person_devices", pk=pk)
    devices = Device.objects.filter(person=person).order_by("revoked_at", "-created_at")
    return render(
        request,
        "health/monitoring/devices.html",
        {"person": person, "form": form, "devices": devices},
    )


@role_required(Role.HEALTH_WORKER)
@require_http_methods(["GET", "POST"])
def gateways(request: HttpRequest) -> HttpResponse:
    """Commune gateways: devices that send readings for several people of one commune."""
    user = _user(request)
    communes = list(communes_for_user(user).order_by("name"))
    form = forms.GatewayForm(request.POST or None, communes=[(c.code, c.name) for c in communes])
    if request.method == "POST" and form.is_valid():
        _device, raw = services.device_create(
            label=form.cleaned_data["label"],
            commune_id=int(form.cleaned_data["commune"]),
            actor=user,
            request=request,
        )
        _show_token(request, raw)
        return redirect("health:gateways")
    devices = Device.objects.filter(
        person__isnull=True, commune__in=[c.code for c in communes]
    ).select_related("commune")
    return render(
        request,
        "health/monitoring/devices.html",
        {"person": None, "form": form, "devices": devices.order_by("revoked_at", "label")},
    )


@role_required(Role.HEALTH_WORKER)
@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    device = get_object_or_404(
        Device.objects.filter(commune__in=[c.code for c in communes_for_user(user)]), pk=pk
    )
    if device.person_id is not None and not patients_for(user).filter(pk=device.person_id).exists():
        raise Http404
    services.device_revoke(device=device, actor=user, request=request)
    messages.success(request, _("The device's token no longer works."))
    if device.person_id:
        return redirect("health:person_devices", pk=device.person_id)
    return redirect("health:gateways")


# Indicators ---------------------------------------------------------------------------------------


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    """Commune indicators without names: a health worker's communes, or the whole province."""
    user = _user(request)
    if user.role not in (Role.HEALTH_WORKER, Role.PROVINCE_ADMIN):
        raise PermissionDenied
    communes = list(communes_for_user(user).order_by("name"))
    rows = selectors.indicators(communes, timezone.localdate())
    if user.role == Role.PROVINCE_ADMIN:
        # Only communes with people in monitoring: a province has dozens of communes.
        rows = [r for r in rows if r.hypertension or r.monitored or r.visits_due]
    return render(
        request,
        "health/monitoring/indicators.html",
        {"rows": rows, "total": selectors.totals(rows)},
    )
