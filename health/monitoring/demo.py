"""Demo readings, alerts and tasks for the demo health worker's patients.

populate() runs after the health book demo (health/book/demo.py), which gives health consent to
about forty patients of demo.health's commune. It registers a commune gateway and a home
blood-pressure monitor for a few patients, then sends 90 days of readings through the real
ingestion service, one day at a time as a gateway would, so that the real threshold rules open
the alerts and tasks: most patients have controlled hypertension, some do not, a diabetic has a
hypoglycaemia, one patient has a hypertensive crisis today confirmed by a repeat reading, and a
few have sent nothing for more than ten days (the real "no reading" sweep finds them). The
health worker has dealt with the older alerts and acknowledged a couple of recent ones.

Running it again adds nothing: the demo devices are found by name and, once they have sent
readings, nothing more is sent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from health.models import Alert, CareTask, Condition, Device, Reading
from health.monitoring import services
from health.permissions import with_health_consent
from people.models import Person

DAYS = 90
GATEWAY_LABEL = "Trạm thu dữ liệu — Trạm y tế xã (demo)"
MONITOR_LABEL = "Máy đo huyết áp tại nhà (demo) — {name}"
HOME_MONITORS = 3  # besides demo.citizen's own


@dataclass(frozen=True)
class Plan:
    """How one patient's readings look over the 90 days."""

    pattern: str  # controlled, uncontrolled, crisis, diabetic, hypo, silent
    systolic: float
    diastolic: float
    stop_days_ago: int = 0  # silent patients stopped sending this many days ago


def _worker_and_commune() -> tuple[User, int] | None:
    worker = User.objects.filter(username="demo.health", role=Role.HEALTH_WORKER).first()
    if worker is None:
        return None
    code = worker.communes.order_by("code").values_list("code", flat=True).first()
    return (worker, code) if code is not None else None


def _plans(patients: list[Person], diabetic_ids: set[int], rng: random.Random) -> dict[int, Plan]:
    """Three patients in four are monitored at home; the rest only have their book."""
    monitored = patients[: max(1, len(patients) * 3 // 4)]
    diabetics = [p for p in monitored if p.pk in diabetic_ids]
    others = [p for p in monitored if p.pk not in diabetic_ids]
    if not diabetics and len(others) > 1:
        diabetics = [others.pop()]
    plans: dict[int, Plan] = {}
    for n, person in enumerate(diabetics):
        pattern = "hypo" if n == 0 else "diabetic"
        plans[person.pk] = Plan(pattern, rng.gauss(132, 5), rng.gauss(82, 3))
    for n, person in enumerate(others):
        if n == 0:
            plan = Plan("crisis", 156, 96)
        elif n <= 5:
            plan = Plan("uncontrolled", rng.gauss(152, 4), rng.gauss(93, 3))
        elif n <= 8:
            plan = Plan("silent", rng.gauss(130, 5), rng.gauss(80, 3), stop_days_ago=10 + n)
        else:
            plan = Plan("controlled", rng.gauss(127, 4), rng.gauss(79, 3))
        plans[person.pk] = plan
    return plans


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _day_items(
    person: Person, plan: Plan, day: date, days_ago: int, rng: random.Random, *, own_device: bool
) -> list[dict[str, object]]:
    """One patient's readings of one day (often none: people skip days)."""
    if plan.stop_days_ago and days_ago < plan.stop_days_ago:
        return []
    items: list[dict[str, object]] = []
    who = {} if own_device else {"personal_id": person.personal_id}
    key = f"demo-{person.pk}-{day:%Y%m%d}"
    if rng.random() < 0.8:
        systolic = round(rng.gauss(plan.systolic, 7))
        diastolic = round(rng.gauss(plan.diastolic, 5))
        items.append(
            {
                **who,
                "client_id": f"{key}-bp",
                "kind": "bp",
                "value": max(systolic, diastolic + 25),
                "value2": diastolic,
                "unit": "mm[Hg]",
                "measured_at": _at(day, 6, rng.randint(15, 55)),
            }
        )
        items.append(
            {
                **who,
                "client_id": f"{key}-hr",
                "kind": "hr",
                "value": round(rng.gauss(76, 7)),
                "unit": "/min",
                "measured_at": _at(day, 6, 58),
            }
        )
    if plan.pattern in ("diabetic", "hypo") and rng.random() < 0.7:
        value = round(rng.gauss(7.0 if plan.pattern == "hypo" else 8.2, 1.3), 1)
        items.append(
            {
                **who,
                "client_id": f"{key}-glu",
                "kind": "glucose",
                "context": "fasting",
                "value": max(value, 4.2),
                "unit": "mmol/L",
                "measured_at": _at(day, 6, 5),
            }
        )
    if days_ago % 7 == 3:
        items.append(
            {
                **who,
                "client_id": f"{key}-kg",
                "kind": "weight",
                "value": round(rng.gauss(45 + person.pk % 20, 0.4), 1),
                "unit": "kg",
                "measured_at": _at(day, 7, 0),
            }
        )
    return items


def _events(
    person: Person, plan: Plan, day: date, days_ago: int, now: datetime, own_device: bool
) -> list[dict[str, object]]:
    """The moments the demo is about: a hypoglycaemia, a crisis confirmed by a repeat."""
    who = {} if own_device else {"personal_id": person.personal_id}
    key = f"demo-{person.pk}-{day:%Y%m%d}"
    if plan.pattern == "hypo" and days_ago == 5:
        return [
            {
                **who,
                "client_id": f"{key}-hypo",
                "kind": "glucose",
                "context": "random",
                "value": 2.8,
                "unit": "mmol/L",
                "measured_at": _at(day, 16, 40),
            }
        ]
    if plan.pattern == "crisis" and days_ago == 0:
        first = now - timedelta(minutes=40)
        return [
            {
                **who,
                "client_id": f"{key}-crisis1",
                "kind": "bp",
                "value": 186,
                "value2": 118,
                "unit": "mm[Hg]",
                "measured_at": first,
            },
            {
                **who,
                "client_id": f"{key}-crisis2",
                "kind": "bp",
                "value": 190,
                "value2": 121,
                "unit": "mm[Hg]",
                "measured_at": first + timedelta(minutes=6),
            },
        ]
    return []


def _devices(
    worker: User, commune: int, patients: list[Person], citizen_person: Person | None
) -> tuple[Device, dict[int, Device]]:
    """The commune gateway and the home monitors, found by name or registered."""
    existing = {d.label: d for d in Device.objects.filter(commune=commune, revoked_at__isnull=True)}
    gateway = existing.get(GATEWAY_LABEL)
    if gateway is None:
        gateway, _token = services.device_create(
            label=GATEWAY_LABEL, commune_id=commune, actor=worker
        )
    owners = patients[:HOME_MONITORS]
    if citizen_person is not None and citizen_person not in owners:
        owners = [citizen_person, *owners]
    monitors: dict[int, Device] = {}
    for person in owners:
        label = MONITOR_LABEL.format(name=person.full_name)[:150]
        device = existing.get(label)
        if device is None:
            device, _token = services.device_create(
                label=label, commune_id=commune, actor=worker, person=person
            )
        monitors[person.pk] = device
    return gateway, monitors


def _weekly_round(worker: User, patients: set[int], at: datetime) -> int:
    """Once a week the health worker has done the tasks due more than two days before (the
    calls made, the readings repeated) and closed their alerts, so the next readings open fresh
    alerts at the severity of the day."""
    done = 0
    due = CareTask.objects.filter(
        person__in=patients, status=CareTask.Status.OPEN, due_at__lt=at - timedelta(days=2)
    ).select_related("alert")
    for task in due.order_by("pk"):
        services.task_complete(
            task=task,
            actor=worker,
            outcome="Đã gọi điện, nhắc uống thuốc đều và đo lại.",
            resolve_alert=task.alert_id is not None,
        )
        done += 1
    return done


def _follow_up(worker: User, patients: set[int], now: datetime) -> tuple[int, int]:
    """What the health worker has done: the urgent alerts of past days are handled (the tasks
    done, the alerts resolved), so are episodes that ended more than ten days ago; two recent
    alerts are acknowledged. Today's crisis stays open."""
    resolved = acknowledged = 0
    open_alerts = list(
        Alert.objects.filter(person__in=patients)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by("first_at", "pk")
    )
    recent = now - timedelta(days=10)
    today = now - timedelta(hours=12)
    for alert in open_alerts:
        urgent_past = alert.severity <= Alert.Severity.HIGH and alert.last_at < today
        if not urgent_past and alert.last_at >= recent:
            continue
        outcome = (
            "Đã đến nhà, hướng dẫn ăn ngay đồ ngọt và điều chỉnh thuốc; người bệnh đã ổn."
            if alert.rule.startswith("glucose")
            else "Đã gọi điện, nhắc uống thuốc đều và đo lại; chỉ số đã ổn định."
        )
        tasks = list(CareTask.objects.filter(alert=alert, status=CareTask.Status.OPEN))
        for task in tasks:
            services.task_complete(task=task, actor=worker, outcome=outcome, resolve_alert=True)
        if not tasks:
            services.alert_resolve(alert=alert, actor=worker, resolution=outcome)
        resolved += 1
    for alert in (
        Alert.objects.filter(
            person__in=patients,
            status=Alert.Status.OPEN,
            severity__gte=Alert.Severity.MEDIUM,
        )
        .exclude(rule="no_reading")
        .order_by("pk")[:2]
    ):
        services.alert_acknowledge(alert=alert, actor=worker)
        acknowledged += 1
    return resolved, acknowledged


@transaction.atomic
def populate(province_code: int, seed: int) -> str:
    """Send the demo readings of demo.health's consented patients (idempotent)."""
    found = _worker_and_commune()
    if found is None:
        return (
            "Chưa có tài khoản demo.health: hãy chạy `langso demo` trước. / "
            "No demo.health account: run `langso demo` first."
        )
    worker, commune = found
    patients = list(
        with_health_consent(
            Person.objects.filter(commune=commune, date_of_death__isnull=True)
        ).order_by("pk")
    )
    if not patients:
        return (
            "Chưa có bệnh nhân nào đồng ý: hãy chạy demo sổ sức khỏe trước. / "
            "No consented patients: run the health book demo first."
        )
    citizen_person = Person.objects.filter(user__username="demo.citizen").first()
    gateway, monitors = _devices(worker, commune, patients, citizen_person)
    devices = [gateway, *monitors.values()]
    if Reading.objects.filter(device__in=devices).exists():
        return _summary(patients, devices, added=0)

    rng = random.Random(seed * 104729 + province_code)
    shuffled = patients[:]
    rng.shuffle(shuffled)
    diabetic_ids = set(
        Condition.objects.filter(person__in=patients, icd10__startswith="E11").values_list(
            "person_id", flat=True
        )
    )
    plans = _plans(shuffled, diabetic_ids, rng)
    monitored = set(plans)
    now = timezone.now()
    today = timezone.localdate(now)
    added = 0
    for days_ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        # A day's readings arrive in the evening (today's: now), as a gateway syncs them.
        arrived = now if days_ago == 0 else _at(day, 20, 0)
        through_gateway: list[dict[str, object]] = []
        for person in patients:
            plan = plans.get(person.pk)
            if plan is None:
                continue
            own = person.pk in monitors
            items = _day_items(person, plan, day, days_ago, rng, own_device=own)
            items += _events(person, plan, day, days_ago, now, own)
            items = [i for i in items if i["measured_at"] <= arrived]  # type: ignore[operator]
            if own and items:
                sender = services.Sender(device=monitors[person.pk], via="demo")
                results = services.readings_ingest(items=items, sender=sender, now=arrived)
                added += sum(r.status in ("accepted", "flagged") for r in results)
            else:
                through_gateway += items
        if through_gateway:
            sender = services.Sender(device=gateway, via="demo")
            results = services.readings_ingest(items=through_gateway, sender=sender, now=arrived)
            added += sum(r.status in ("accepted", "flagged") for r in results)
        if days_ago % 7 == 0 and days_ago > 0:
            _weekly_round(worker, monitored, arrived)
    _follow_up(worker, monitored, now)
    services.no_reading_sweep(now=now)
    return _summary(patients, devices, added=added)


def _summary(patients: list[Person], devices: list[Device], *, added: int) -> str:
    ids = [p.pk for p in patients]
    alerts = Alert.objects.filter(person__in=ids)
    open_alerts = alerts.exclude(status=Alert.Status.RESOLVED).count()
    tasks = CareTask.objects.filter(person__in=ids, status=CareTask.Status.OPEN).count()
    return (
        f"Theo dõi sức khỏe / health monitoring: {len(devices)} thiết bị / devices, "
        f"{added} chỉ số mới / new readings, {open_alerts} cảnh báo đang mở / open alerts, "
        f"{tasks} việc cần làm / open tasks."
    )
