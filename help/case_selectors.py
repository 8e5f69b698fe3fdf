"""Reads of help cases: queues and lists, one case's timeline, the dashboards, the workspace.

Dashboard figures are computed for a set of communes over a period. The province's view hides
small cells (fewer than SMALL_CELL cases): with a handful of cases in a commune, a topic and a
satisfaction rate can point at one person.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractHour
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import commune_codes_for_user, scope_to_communes
from help.models import (
    Appointment,
    Case,
    CaseAction,
    Feedback,
    QueueToken,
    Referral,
    Topic,
)
from help.permissions import cases_for_user

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SMALL_CELL = 5
PAGE_SIZE = 25
OPEN_STATUSES = (Case.Status.OPEN, Case.Status.WAITING, Case.Status.REFERRED)
# Cases answered for the person's own topic; the self-sufficiency rate counts how many of them
# the person later did alone.
SELF_SUFFICIENCY_OUTCOMES = (Case.Outcome.DONE, Case.Outcome.DONE_ON_BEHALF, Case.Outcome.TAUGHT)
LOOP_CLOSED = [s for s in Referral.Status.values if s != Referral.Status.PENDING]


# Lists ---------------------------------------------------------------------------------------


def case_list(
    user: User,
    *,
    status: str = "",
    topic: str = "",
    corner: int | None = None,
    mine: bool = False,
    overdue: bool = False,
    q: str = "",
) -> QuerySet[Case]:
    """The cases a user works on, filtered; open cases first, the most urgent on top."""
    cases = cases_for_user(user)
    if status == "active":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif status:
        cases = cases.filter(status=status)
    if topic:
        cases = cases.filter(topic=topic)
    if corner:
        cases = cases.filter(corner_id=corner)
    if mine:
        cases = cases.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if overdue:
        cases = cases.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    text = q.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text and digits and not text.strip("#+ .-0123456789"):
        # Only digits: a case number (what the case's code starts with) or a phone number.
        if len(digits) >= 9:
            cases = cases.filter(phone__endswith=digits[-9:])
        else:
            cases = cases.filter(pk=int(digits))
    elif text:
        cases = cases.filter(Q(name__icontains=text) | Q(summary__icontains=text))
    if status == Case.Status.CLOSED:
        return cases.order_by("-closed_at", "-pk")
    return cases.order_by("due_at", "pk")


def overdue_cases(user: User) -> QuerySet[Case]:
    return case_list(user, overdue=True)


@dataclass
class CaseTimeline:
    actions: list[CaseAction]
    attachments: list[Any]
    referrals: list[Referral]
    feedback: Feedback | None


def case_timeline(case: Case) -> CaseTimeline:
    actions = list(case.actions.select_related("done_by"))
    attachments = list(case.attachments.select_related("uploaded_by"))
    referrals = list(case.referrals.select_related("referred_by", "status_by"))
    feedback = Feedback.objects.filter(case=case).first()
    return CaseTimeline(actions, attachments, referrals, feedback)


def helpers_of_commune(commune_code: int) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.HELPER, is_active=True, communes__code=commune_code
    ).order_by("full_name", "username")


# Dashboards ----------------------------------------------------------------------------------


@dataclass
class Cell:
    """A count or a rate that may be hidden because too few cases stand behind it."""

    value: float | int | None
    hidden: bool = False


def _count(n: int, suppress: bool) -> Cell:
    return Cell(None, True) if suppress and 0 < n < SMALL_CELL else Cell(n)


def _rate(part: int, whole: int, suppress: bool) -> Cell:
    if whole == 0:
        return Cell(None)
    if suppress and whole < SMALL_CELL:
        return Cell(None, True)
    return Cell(round(100 * part / whole))


@dataclass
class TopicRow:
    topic: str
    label: str
    opened: Cell
    closed: Cell
    open_now: Cell
    overdue: Cell
    median_hours: Cell
    within_target: Cell


@dataclass
class Dashboard:
    since: date
    until: date
    suppress: bool
    opened: Cell
    closed: Cell
    open_now: Cell
    overdue: Cell
    median_hours: Cell
    within_target: Cell
    satisfaction: Cell
    feedback_count: Cell
    self_sufficiency: Cell
    closed_loop: Cell
    got_help: Cell
    topics: list[TopicRow] = field(default_factory=list)
    hours: list[tuple[int, Cell, int]] = field(default_factory=list)
    communes: list[dict[str, Any]] = field(default_factory=list)


def _period(since: date, until: date) -> tuple[datetime, datetime]:
    start = datetime.combine(since, datetime.min.time(), tzinfo=LOCAL)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL)
    return start, end


class LocalHour(Func):
    """The hour of a timestamp in Vietnam's time, computed by the database itself.

    Django's ExtractHour runs a Python function for every row on SQLite; this one stays in SQL
    on both databases. Vietnam keeps UTC+7 all year (no daylight saving), so SQLite may add
    seven hours to the UTC text it stores; PostgreSQL converts with the zone's name.
    """

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%H', %(expressions)s, '+7 hours') AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(HOUR FROM %(expressions)s AT TIME ZONE 'Asia/Ho_Chi_Minh') AS integer)",
            **extra,
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if "template" not in extra and connection.vendor not in ("sqlite", "postgresql"):
            return ExtractHour(*self.source_expressions, tzinfo=LOCAL).as_sql(compiler, connection)
        return super().as_sql(compiler, connection, **extra)


def _median_hours(durations: list[float]) -> float | None:
    return round(statistics.median(durations), 1) if durations else None


def dashboard(
    *, communes: list[int] | None, since: date, until: date, suppress: bool = False
) -> Dashboard:
    """Cases by topic, time to resolution, satisfaction, self-sufficiency, referrals and the
    busiest hours, for cases opened in [since, until] in the given communes (None: all)."""
    start, end = _period(since, until)
    now = timezone.now()
    cases = Case.objects.all()
    if communes is not None:
        cases = cases.filter(commune__in=communes)
    opened = cases.filter(opened_at__gte=start, opened_at__lt=end)

    closed_q = Q(status=Case.Status.CLOSED, closed_at__isnull=False)
    per_topic = {
        row["topic"]: row
        for row in opened.values("topic").annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(status=Case.Status.CLOSED)),
            in_time=Count("id", filter=closed_q & Q(closed_at__lte=F("due_at"))),
        )
    }
    live = {
        row["topic"]: row
        for row in cases.filter(status__in=OPEN_STATUSES)
        .values("topic")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now)))
    }
    # The median needs every duration; the database subtracts, so that each row arrives as one
    # number rather than three dates to convert.
    durations: dict[str, list[float]] = {}
    took = ExpressionWrapper(F("closed_at") - F("opened_at"), output_field=DurationField())
    for topic, spent in (
        opened.filter(closed_q).annotate(took=took).values_list("topic", "took").iterator()
    ):
        durations.setdefault(topic, []).append(spent.total_seconds() / 3600)
    in_time = {topic: int(row["in_time"]) for topic, row in per_topic.items()}

    rows = []
    for value, label in Topic.choices:
        o = per_topic.get(value, {})
        lv = live.get(value, {})
        closed_n = int(o.get("closed", 0))
        if not (o or lv):
            continue
        rows.append(
            TopicRow(
                topic=value,
                label=str(label),
                opened=_count(int(o.get("n", 0)), suppress),
                closed=_count(closed_n, suppress),
                open_now=_count(int(lv.get("n", 0)), suppress),
                overdue=_count(int(lv.get("late", 0)), suppress),
                median_hours=(
                    Cell(None, True)
                    if suppress and 0 < closed_n < SMALL_CELL
                    else Cell(_median_hours(durations.get(value, [])))
                ),
                within_target=_rate(in_time.get(value, 0), closed_n, suppress),
            )
        )
    all_durations = [d for ds in durations.values() for d in ds]
    total_closed = sum(int(r.get("closed", 0)) for r in per_topic.values())

    feedback = Feedback.objects.filter(case__in=opened).aggregate(
        n=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    eligible = opened.filter(status=Case.Status.CLOSED, outcome__in=SELF_SUFFICIENCY_OUTCOMES)
    alone = eligible.aggregate(
        n=Count("id"), alone=Count("id", filter=Q(did_alone_at__isnull=False))
    )
    referrals = Referral.objects.filter(case__in=opened).aggregate(
        n=Count("id"),
        closed=Count("id", filter=Q(status__in=LOOP_CLOSED)),
        got_help=Count("id", filter=Q(status=Referral.Status.GOT_HELP)),
    )
    by_hour = dict(
        opened.annotate(hour=LocalHour("opened_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .values_list("hour", "n")
    )
    peak = max(by_hour.values(), default=0)
    hours = [
        (
            hour,
            _count(by_hour.get(hour, 0), suppress),
            round(100 * by_hour.get(hour, 0) / peak) if peak else 0,
        )
        for hour in range(6, 21)
        if hour in by_hour or 7 <= hour <= 17
    ]
    open_now = sum(int(r["n"]) for r in live.values())
    late = sum(int(r["late"]) for r in live.values())
    return Dashboard(
        since=since,
        until=until,
        suppress=suppress,
        opened=_count(sum(int(r["n"]) for r in per_topic.values()), suppress),
        closed=_count(total_closed, suppress),
        open_now=_count(open_now, suppress),
        overdue=_count(late, suppress),
        median_hours=Cell(_median_hours(all_durations)),
        within_target=_rate(sum(in_time.values()), len(all_durations), suppress),
        satisfaction=_rate(feedback["helpful"], feedback["n"], suppress),
        feedback_count=_count(feedback["n"], suppress),
        self_sufficiency=_rate(alone["alone"], alone["n"], suppress),
        closed_loop=_rate(referrals["closed"], referrals["n"], suppress),
        got_help=_rate(referrals["got_help"], referrals["n"], suppress),
        topics=rows,
        hours=hours,
    )


def commune_rows(
    *, communes: list[int] | None, since: date, until: date, suppress: bool
) -> list[dict[str, Any]]:
    """Per commune: cases opened, closed, overdue now and satisfaction, for the province view."""
    from places.models import Commune

    start, end = _period(since, until)
    now = timezone.now()
    cases = Case.objects.all()
    if communes is not None:
        cases = cases.filter(commune__in=communes)
    opened = cases.filter(opened_at__gte=start, opened_at__lt=end)
    counts = {
        r["commune"]: r
        for r in opened.values("commune").annotate(
            n=Count("id"), closed=Count("id", filter=Q(status=Case.Status.CLOSED))
        )
    }
    late = dict(
        cases.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .values_list("commune")
        .annotate(n=Count("id"))
        .values_list("commune", "n")
    )
    happy = {
        r["case__commune"]: r
        for r in Feedback.objects.filter(case__in=opened)
        .values("case__commune")
        .annotate(n=Count("id"), helpful=Count("id", filter=Q(helpful=True)))
    }
    codes = set(counts) | set(late)
    names = dict(Commune.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for code in sorted(codes, key=lambda c: names.get(c, "")):
        c = counts.get(code, {})
        h = happy.get(code, {})
        rows.append(
            {
                "code": code,
                "name": names.get(code, str(code)),
                "opened": _count(int(c.get("n", 0)), suppress),
                "closed": _count(int(c.get("closed", 0)), suppress),
                "overdue": _count(int(late.get(code, 0)), suppress),
                "satisfaction": _rate(int(h.get("helpful", 0)), int(h.get("n", 0)), suppress),
            }
        )
    return rows


def dashboard_for_user(user: User, *, since: date, until: date, province: bool) -> Dashboard:
    """The commune dashboard of a user's communes, or (province administrators) the province's
    with small cells hidden."""
    codes = commune_codes_for_user(user)
    communes = None if codes is None else sorted(codes)
    suppress = province and codes is None
    board = dashboard(communes=communes, since=since, until=until, suppress=suppress)
    if codes is None or len(communes or []) > 1:
        board.communes = commune_rows(
            communes=communes, since=since, until=until, suppress=suppress
        )
    return board


# The helper's workspace --------------------------------------------------------------------


def helper_workspace(user: User, today: date) -> dict[str, Any]:
    """What a helper needs when a market day starts: who waits in the queue, today's
    appointments, cases past their due time, and their own open cases."""
    now = timezone.now()
    queue = list(
        scope_to_communes(QueueToken.objects.all(), user, "corner__commune")
        .filter(
            day=today,
            status__in=[
                QueueToken.Status.WAITING,
                QueueToken.Status.CALLED,
                QueueToken.Status.SERVING,
            ],
        )
        .select_related("corner", "case")
        .order_by("status", "-priority", "number")[:30]
    )
    start, end = _period(today, today)
    appointments = list(
        scope_to_communes(Appointment.objects.all(), user, "corner__commune")
        .filter(
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.ARRIVED],
        )
        .filter(Q(helper=user) | Q(helper__isnull=True))
        .select_related("corner", "helper")
        .order_by("starts_at")[:30]
    )
    mine = cases_for_user(user).filter(status__in=OPEN_STATUSES)
    overdue = list(
        mine.filter(due_at__lt=now)
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
        .order_by("due_at")[:20]
    )
    my_cases = list(mine.filter(assigned_to=user).order_by("due_at")[:20])
    return {
        "queue": queue,
        "appointments": appointments,
        "overdue": overdue,
        "my_cases": my_cases,
        "now": now,
    }
