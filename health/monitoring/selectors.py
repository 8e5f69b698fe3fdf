"""Reads of health monitoring: a worker's patients and queue, one person's series, indicators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import User
from health.book.selectors import visits_due_for_worker
from health.models import Alert, CareTask, Condition, HomeVisit, Reading, ThresholdOverride
from health.monitoring import codes
from health.permissions import patients_for, scope_rows, with_health_consent
from lib.vn_text import fold
from people.models import Person

# A change smaller than this between two readings shows as "steady".
TREND_TOLERANCE = {
    "bp": Decimal(5),
    "hr": Decimal(5),
    "glucose": Decimal("0.5"),
    "spo2": Decimal(1),
    "weight": Decimal("0.5"),
    "temp": Decimal("0.3"),
}
SHOWN_KINDS = ("bp", "glucose", "spo2", "hr", "weight", "temp")
RECENT_DAYS = 7
CONTROL_WINDOW_DAYS = 90
VISIT_GRACE_DAYS = 7


def open_alerts(user: User) -> QuerySet[Alert]:
    """Alerts still to deal with in the worker's communes, most urgent first."""
    return (
        scope_rows(Alert.objects.exclude(status=Alert.Status.RESOLVED), user)
        .select_related("person__village", "reading")
        .order_by("severity", "status", "-last_at")
    )


def open_tasks(user: User) -> QuerySet[CareTask]:
    return (
        scope_rows(CareTask.objects.filter(status=CareTask.Status.OPEN), user)
        .select_related("person__village", "alert")
        .order_by("priority", "due_at")
    )


@dataclass
class Latest:
    kind: str
    value: Decimal
    value2: Decimal | None
    measured_at: datetime
    trend: str  # "up", "down", "steady" or "" (one reading only)
    flag: str

    @property
    def shown(self) -> str:
        return show_value(self.kind, self.value, self.value2)


@dataclass
class PatientRow:
    person: Person
    worst: int | None
    open_alerts: int
    last_at: datetime | None
    latest: dict[str, Latest] = field(default_factory=dict)

    @property
    def cells(self) -> list[Latest | None]:
        return [self.latest.get(k) for k in SHOWN_KINDS]


def show_value(kind: str, value: Decimal, value2: Decimal | None = None) -> str:
    """A value as people read it in Vietnam: 6,5 mmol/L, 140/90 mmHg."""
    unit = codes.spec(kind).unit_display
    text = f"{value.normalize():f}".replace(".", ",")
    if kind == "bp" and value2 is not None:
        text = f"{value.normalize():f}/{value2.normalize():f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def _trend(kind: str, latest: Decimal, previous: Decimal | None) -> str:
    if previous is None:
        return ""
    delta = latest - previous
    if abs(delta) < TREND_TOLERANCE[kind]:
        return "steady"
    return "up" if delta > 0 else "down"


def patients_queryset(user: User, q: str = "") -> QuerySet[Person]:
    """The worker's patients, those with the most urgent open alert first."""
    worst = (
        Alert.objects.filter(person=OuterRef("pk"))
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("severity")
        .values("severity")[:1]
    )
    people = patients_for(user).select_related("village", "commune")
    if q.strip():
        people = people.filter(name_key__contains=fold(q).strip())
    return people.annotate(
        worst=Subquery(worst),
        n_open=Subquery(
            Alert.objects.filter(person=OuterRef("pk"))
            .exclude(status=Alert.Status.RESOLVED)
            .values("person")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
    ).order_by(F("worst").asc(nulls_last=True), "name_key")


def latest_readings(person_ids: list[int]) -> dict[int, dict[str, Latest]]:
    """The two newest readings of each kind for each person (one windowed query)."""
    rows = (
        Reading.objects.filter(person__in=person_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person_id"), F("kind")],
                order_by=F("measured_at").desc(),
            )
        )
        .filter(rank__lte=2)
        .values_list("person_id", "kind", "value", "value2", "measured_at", "flag", "rank")
        .order_by("person_id", "kind", "rank")
    )
    result: dict[int, dict[str, Latest]] = {}
    for person_id, kind, value, value2, measured_at, flag, rank in rows:
        per_person = result.setdefault(person_id, {})
        if rank == 1:
            per_person[kind] = Latest(kind, value, value2, measured_at, "", flag)
        elif kind in per_person:
            latest = per_person[kind]
            latest.trend = _trend(kind, latest.value, value)
    return result


def patient_rows(people: list[Person]) -> list[PatientRow]:
    ids = [p.pk for p in people]
    latest = latest_readings(ids)
    rows = []
    for person in people:
        per_kind = latest.get(person.pk, {})
        last_at = max((r.measured_at for r in per_kind.values()), default=None)
        rows.append(
            PatientRow(
                person=person,
                worst=getattr(person, "worst", None),
                open_alerts=getattr(person, "n_open", 0),
                last_at=last_at,
                latest=per_kind,
            )
        )
    return rows


def series(person: Person, kind: str, since: datetime) -> list[Reading]:
    return list(
        Reading.objects.filter(person=person, kind=kind, measured_at__gte=since).order_by(
            "measured_at"
        )
    )


def kinds_with_readings(person: Person) -> list[str]:
    present = set(Reading.objects.filter(person=person).values_list("kind", flat=True).distinct())
    return [k for k in SHOWN_KINDS if k in present]


def person_alerts(person: Person) -> list[Alert]:
    return list(
        Alert.objects.filter(person=person)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("severity", "-last_at")
    )


def active_overrides(person: Person) -> list[ThresholdOverride]:
    return list(
        ThresholdOverride.objects.filter(person=person, ended_at__isnull=True)
        .select_related("set_by")
        .order_by("rule")
    )


# Indicators -------------------------------------------------------------------------------------


@dataclass
class CommuneIndicators:
    commune: Any
    hypertension: int = 0
    controlled: int = 0
    uncontrolled: int = 0
    no_bp: int = 0
    visits_due: int = 0
    visits_on_time: int = 0
    monitored: int = 0
    no_recent_reading: int = 0
    open_alerts: int = 0
    critical_alerts: int = 0

    @staticmethod
    def _share(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def controlled_share(self) -> int | None:
        return self._share(self.controlled, self.hypertension)

    @property
    def visits_share(self) -> int | None:
        return self._share(self.visits_on_time, self.visits_due)

    @property
    def no_recent_share(self) -> int | None:
        return self._share(self.no_recent_reading, self.monitored)


def indicators(
    communes: list[Any], today: date, now: datetime | None = None
) -> list[CommuneIndicators]:
    """Per commune, without names: the share of people with hypertension whose last blood
    pressure in 90 days is below 140/90 (the HEARTS "controlled" indicator), home visits of the
    last 90 days done within a week of their date, and monitored people with no reading in the
    last 7 days. Grouped queries only: the cost does not grow with the number of communes."""
    now = now or timezone.now()
    rows = {c.code: CommuneIndicators(commune=c) for c in communes}
    codes_ = list(rows)
    consented = with_health_consent(
        Person.objects.filter(commune__in=codes_, date_of_death__isnull=True)
    )
    hypertensive = consented.filter(
        pk__in=Condition.objects.filter(
            icd10__regex=r"^I1[0-5]", clinical_status=Condition.ClinicalStatus.ACTIVE
        ).values("person_id")
    )
    since = now - timedelta(days=CONTROL_WINDOW_DAYS)
    last_bp = Reading.objects.filter(
        person=OuterRef("pk"), kind="bp", measured_at__gte=since
    ).order_by("-measured_at")
    for commune_id, value, value2 in hypertensive.annotate(
        sys=Subquery(last_bp.values("value")[:1]), dia=Subquery(last_bp.values("value2")[:1])
    ).values_list("commune_id", "sys", "dia"):
        row = rows[commune_id]
        row.hypertension += 1
        if value is None:
            row.no_bp += 1
        elif value < 140 and (value2 or 0) < 90:
            row.controlled += 1
        else:
            row.uncontrolled += 1

    window_start = today - timedelta(days=CONTROL_WINDOW_DAYS)
    visits = (
        HomeVisit.objects.filter(
            person__commune__in=codes_, due_on__gte=window_start, due_on__lt=today
        )
        .exclude(status=HomeVisit.Status.CANCELLED)
        .values_list("person__commune_id", "due_on", "status", "done_at")
    )
    grace = timedelta(days=VISIT_GRACE_DAYS)
    for commune_id, due_on, status, done_at in visits:
        target = rows[commune_id]
        target.visits_due += 1
        if status == HomeVisit.Status.DONE and done_at is not None:
            if timezone.localdate(done_at) <= due_on + grace:
                target.visits_on_time += 1

    recent_cutoff = now - timedelta(days=RECENT_DAYS)
    monitored = (
        Reading.objects.filter(person__in=consented)
        .values("person_id", "person__commune_id")
        .annotate(last=Max("measured_at"))
    )
    for row in monitored:
        target = rows[row["person__commune_id"]]
        target.monitored += 1
        if row["last"] < recent_cutoff:
            target.no_recent_reading += 1

    for row in (
        Alert.objects.filter(commune__in=codes_, person__in=consented)
        .exclude(status=Alert.Status.RESOLVED)
        .values("commune_id")
        .annotate(n=Count("id"), critical=Count("id", filter=Q(severity=Alert.Severity.CRITICAL)))
    ):
        target = rows[row["commune_id"]]
        target.open_alerts, target.critical_alerts = row["n"], row["critical"]
    return list(rows.values())


def totals(rows: list[CommuneIndicators]) -> CommuneIndicators:
    total = CommuneIndicators(commune=None)
    for name in (
        "hypertension",
        "controlled",
        "uncontrolled",
        "no_bp",
        "visits_due",
        "visits_on_time",
        "monitored",
        "no_recent_reading",
        "open_alerts",
        "critical_alerts",
    ):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    return total


WORKSPACE_ROWS = 8


def worker_workspace(user: User, today: date, now: datetime | None = None) -> dict[str, Any]:
    """What a commune health worker needs first: open alerts (critical first) with the reading
    behind each, the tasks due today or overdue, the home visits due today or overdue, and the
    monitored patients with no reading for RECENT_DAYS days. A fixed number of queries."""
    now = now or timezone.now()
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    alerts_qs = open_alerts(user)
    by_severity = {
        row["severity"]: row["n"]
        for row in alerts_qs.order_by().values("severity").annotate(n=Count("id"))
    }
    alerts = list(alerts_qs[:WORKSPACE_ROWS])
    for alert in alerts:
        reading = alert.reading
        alert.shown_value = (  # type: ignore[attr-defined]
            show_value(reading.kind, reading.value, reading.value2) if reading else ""
        )
    tasks_qs = open_tasks(user).filter(due_at__lt=tomorrow)
    tasks = list(tasks_qs[:WORKSPACE_ROWS])
    visits_qs = visits_due_for_worker(user, today, days_ahead=0)
    visits = list(visits_qs[:WORKSPACE_ROWS])
    cutoff = now - timedelta(days=RECENT_DAYS)
    stale = list(
        Reading.objects.filter(person__in=patients_for(user))
        .values("person_id")
        .annotate(last=Max("measured_at"))
        .filter(last__lt=cutoff)
        .order_by("last")
    )
    silent_people = Person.objects.select_related("village").in_bulk(
        [row["person_id"] for row in stale[:WORKSPACE_ROWS]]
    )
    silent = [
        {"person": silent_people[row["person_id"]], "last": row["last"]}
        for row in stale[:WORKSPACE_ROWS]
        if row["person_id"] in silent_people
    ]
    return {
        "alerts": alerts,
        "alert_count": sum(by_severity.values()),
        "critical_count": by_severity.get(Alert.Severity.CRITICAL, 0),
        "tasks": tasks,
        "task_count": tasks_qs.count() if len(tasks) == WORKSPACE_ROWS else len(tasks),
        "visits": visits,
        "visit_count": visits_qs.count() if len(visits) == WORKSPACE_ROWS else len(visits),
        "silent": silent,
        "silent_count": len(stale),
        "recent_days": RECENT_DAYS,
        "now": now,
        "shown_people": sorted(
            {a.person_id for a in alerts}
            | {t.person_id for t in tasks}
            | {v.person_id for v in visits}
            | {s["person"].pk for s in silent}
        ),
    }
