"""The landing page of each role: what that person needs first when they start work."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from accounts.permissions import communes_for_user, scope_to_communes
from benefits import selectors as benefit_selectors
from benefits.models import Case as BenefitCase
from health.monitoring.selectors import worker_workspace
from health.monitoring.services import list_view_record
from help.case_selectors import helper_workspace
from people.models import Disability, Household, Person, PovertyStatus
from places.models import AreaStatus, Village


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _commune_rows(user: User, today: date) -> list[dict[str, object]]:
    """People, households, older people, disabilities and poor households per commune.

    One grouped query per figure rather than one annotated join: joining people, villages and
    households at once multiplies rows and grows with the province.
    """
    keys = ("n_people", "n_elderly", "n_households", "n_disability", "n_poor", "n_villages")
    by_code: dict[int, dict[str, object]] = {
        c.code: {"commune": c, **dict.fromkeys(keys, 0)}
        for c in communes_for_user(user).order_by("name")
    }
    codes = list(by_code)
    sixty = _years_ago(today, 60)
    living = Person.objects.filter(commune__in=codes, date_of_death__isnull=True)
    for row in living.values("commune").annotate(
        n=Count("id"), old=Count("id", filter=Q(date_of_birth__lte=sixty))
    ):
        by_code[row["commune"]].update(n_people=row["n"], n_elderly=row["old"])
    for row in Village.objects.filter(commune__in=codes).values("commune").annotate(n=Count("id")):
        by_code[row["commune"]]["n_villages"] = row["n"]
    for row in (
        Household.objects.filter(commune__in=codes).values("commune").annotate(n=Count("id"))
    ):
        by_code[row["commune"]]["n_households"] = row["n"]
    in_force = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    disabled = (
        Disability.objects.filter(
            in_force, person__commune__in=codes, person__date_of_death__isnull=True
        )
        .values("person__commune")
        .annotate(n=Count("person", distinct=True))
    )
    for row in disabled:
        by_code[row["person__commune"]]["n_disability"] = row["n"]
    poor = (
        PovertyStatus.objects.filter(
            in_force, household__commune__in=codes, status=PovertyStatus.Status.POOR
        )
        .values("household__commune")
        .annotate(n=Count("household", distinct=True))
    )
    for row in poor:
        by_code[row["household__commune"]]["n_poor"] = row["n"]
    return list(by_code.values())


def _totals(rows: list[dict[str, object]]) -> dict[str, int]:
    keys = ["n_people", "n_households", "n_elderly", "n_disability", "n_poor", "n_villages"]
    return {k: sum(int(r[k]) for r in rows) for k in keys}  # type: ignore[call-overload]


def render_for(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    handler = {
        Role.CITIZEN: _citizen,
        Role.HELPER: _helper,
        Role.COMMUNE_OFFICER: _commune_officer,
        Role.HEALTH_WORKER: _health_worker,
        Role.EMPLOYER: _employer,
        Role.PARTNER: _partner,
        Role.PROVINCE_ADMIN: _province_admin,
    }[Role(user.role)]
    return handler(request, user, today)


def _citizen(request: HttpRequest, user: User, today: date) -> HttpResponse:
    person = (
        Person.objects.select_related("commune", "village", "household").filter(user=user).first()
    )
    support: list[dict[str, object]] = []
    health_insurance = False
    if person is not None:
        vietnamese = request.LANGUAGE_CODE == "vi"
        cases = {
            case.policy_id: case
            for case in BenefitCase.objects.filter(person=person).order_by("id")
        }
        paid, health_insurance = benefit_selectors.person_support(person)
        for decision in paid:
            case = cases.get(decision.policy_id)
            support.append(
                {
                    "title": benefit_selectors.policy_title(decision.policy_id, vietnamese),
                    "amount": decision.monthly_amount,
                    "since": decision.effective_from,
                    "case": case.get_status_display() if case else "",
                }
            )
    return render(
        request,
        "workspace/citizen.html",
        {
            "person": person,
            "today": today,
            "support": support,
            "health_insurance": health_insurance,
        },
    )


def _helper(request: HttpRequest, user: User, today: date) -> HttpResponse:
    """The helper's market day: who waits in the queue, today's appointments, overdue cases,
    their own open cases, and the people of their communes."""
    rows = _commune_rows(user, today)
    return render(
        request,
        "workspace/helper.html",
        {"rows": rows, "totals": _totals(rows), "today": today, **helper_workspace(user, today)},
    )


def _commune_officer(request: HttpRequest, user: User, today: date) -> HttpResponse:
    rows = _commune_rows(user, today)
    recent = scope_to_communes(
        AuditEntry.objects.select_related("actor").exclude(commune_code__isnull=True),
        user,
        "commune_code",
    )[:10]
    villages_without_status = scope_to_communes(
        Village.objects.filter(area_statuses__isnull=True), user
    ).count()
    return render(
        request,
        "workspace/commune_officer.html",
        {
            "rows": rows,
            "totals": _totals(rows),
            "recent": recent,
            "villages_without_status": villages_without_status,
        },
    )


PEOPLE_TO_FOLLOW_SHOWN = 10


def _health_worker(request: HttpRequest, user: User, today: date) -> HttpResponse:
    """The commune health worker's day: urgent alerts first, then today's and overdue tasks and
    home visits, the patients who have gone quiet, and the people to keep an eye on (severe
    disabilities, aged 80 and over) with the communes' figures."""
    current = Q(disabilities__valid_to__isnull=True) | Q(disabilities__valid_to__gte=today)
    severe = Q(
        disabilities__level__in=[Disability.Level.SEVERE, Disability.Level.ESPECIALLY_SEVERE]
    )
    to_follow = (
        scope_to_communes(Person.objects.filter(date_of_death__isnull=True), user)
        .filter((current & severe) | Q(date_of_birth__lte=_years_ago(today, 80)))
        .select_related("commune", "village")
        .distinct()
        .order_by("commune__name", "village__name", "name_key")
    )
    count = to_follow.count()
    people = list(to_follow[:PEOPLE_TO_FOLLOW_SHOWN])
    for person in people:
        person.age = person.age_on(today)  # type: ignore[attr-defined]
    day = worker_workspace(user, today)
    if day["shown_people"]:
        list_view_record(
            actor=user, what="health worker workspace", people=day["shown_people"], request=request
        )
    return render(
        request,
        "workspace/health_worker.html",
        {
            **day,
            "people": people,
            "count": count,
            "rows": _commune_rows(user, today),
            "today": today,
        },
    )


def _employer(request: HttpRequest, user: User, today: date) -> HttpResponse:
    """Working-age people with disabilities by commune: where inclusive hiring can reach."""
    lo, hi = _years_ago(today, 60), _years_ago(today, 18)
    rows = (
        Person.objects.filter(
            commune__province_id=settings.PROVINCE_CODE,
            date_of_death__isnull=True,
            date_of_birth__gt=lo,
            date_of_birth__lte=hi,
            disabilities__isnull=False,
        )
        .values("commune__name")
        .annotate(n=Count("id", distinct=True))
        .order_by("-n")[:20]
    )
    return render(request, "workspace/employer.html", {"rows": rows})


def _partner(request: HttpRequest, user: User, today: date) -> HttpResponse:
    """Villages and communes of the ethnic-minority area in force today: where to put Wi-Fi and devices."""
    in_force = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    statuses = (
        AreaStatus.objects.filter(in_force)
        .filter(
            Q(commune__province_id=settings.PROVINCE_CODE)
            | Q(village__commune__province_id=settings.PROVINCE_CODE)
        )
        .select_related("commune", "village__commune")
        .order_by("status", "commune__name", "village__name")
    )
    return render(
        request,
        "workspace/partner.html",
        {
            "statuses": statuses[:100],
            "count": statuses.count(),
            "tokens": user.api_tokens.filter(revoked_at__isnull=True),
        },
    )


def _province_admin(request: HttpRequest, user: User, today: date) -> HttpResponse:
    rows = _commune_rows(user, today)
    users_by_role = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id"))
    )
    roles = [(label, users_by_role.get(value, 0)) for value, label in Role.choices]
    recent = AuditEntry.objects.select_related("actor")[:10]
    return render(
        request,
        "workspace/province_admin.html",
        {"rows": rows, "totals": _totals(rows), "roles": roles, "recent": recent},
    )
