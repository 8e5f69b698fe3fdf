"""Demo health books: about forty patients of the demo health worker, and demo.citizen's own.

populate() runs after the registry demo (it needs demo.health, demo.citizen and the people of
their commune) and before the monitoring demo, which sends readings for the people it finds with
health consent here. Everything is written through the services, as a health worker would, so
the audit log and the visit schedule look real. Running it again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from health.book import services
from health.models import CarePlan, Carer, HomeVisit
from people import services as people_services
from people.models import Person

PATIENTS = 40
DEMO_CARER = "demo.carer"


@dataclass(frozen=True)
class Profile:
    conditions: tuple[str, ...]
    medicines: tuple[tuple[str, str, str], ...]
    plan: str
    goals: tuple[str, ...]
    every: int


PROFILES = (
    Profile(
        ("I10",),
        (("Amlodipin", "5 mg", "1 lần mỗi sáng"),),
        "Kiểm soát huyết áp",
        (
            "Huyết áp dưới 140/90 mmHg",
            "Đo huyết áp tại nhà mỗi sáng",
            "Ăn nhạt, dưới 5 g muối/ngày",
        ),
        30,
    ),
    Profile(
        ("I10", "E11"),
        (("Losartan", "50 mg", "1 lần mỗi sáng"), ("Metformin", "500 mg", "2 lần/ngày, sau ăn")),
        "Tăng huyết áp và đái tháo đường",
        ("Huyết áp dưới 140/90 mmHg", "Đường huyết lúc đói 4,4–7,2 mmol/L"),
        14,
    ),
    Profile(
        ("E11",),
        (("Gliclazid MR", "30 mg", "1 lần trước bữa sáng"),),
        "Kiểm soát đường huyết",
        ("Đường huyết lúc đói 4,4–7,2 mmol/L", "Không để hạ đường huyết"),
        30,
    ),
    Profile(
        ("I69", "I10"),
        (("Aspirin", "81 mg", "1 lần/ngày sau ăn trưa"), ("Amlodipin", "5 mg", "1 lần mỗi sáng")),
        "Phục hồi chức năng sau đột quỵ",
        ("Tự đi lại trong nhà với gậy", "Không bị loét do tì đè", "Huyết áp dưới 140/90 mmHg"),
        7,
    ),
    Profile(
        ("J44",),
        (("Salbutamol xịt", "2 nhát", "khi khó thở"),),
        "Chăm sóc bệnh phổi tắc nghẽn mạn tính",
        ("SpO2 từ 92 % trở lên", "Tập thở mỗi ngày"),
        30,
    ),
    Profile(
        ("M17", "I10"),
        (
            ("Amlodipin", "5 mg", "1 lần mỗi sáng"),
            ("Paracetamol", "500 mg", "khi đau, tối đa 4 lần/ngày"),
        ),
        "Chăm sóc người cao tuổi tại nhà",
        ("Huyết áp dưới 140/90 mmHg", "Tập vận động khớp gối mỗi ngày"),
        30,
    ),
)
PLAN_TITLES = {p.plan for p in PROFILES}
FINDINGS = (
    "Tỉnh táo, ăn uống được. Đo HA tại nhà {bp}. Uống thuốc đều.",
    "Than mệt, ngủ kém. HA {bp}. Nhắc uống thuốc đúng giờ.",
    "Đi lại được trong nhà. HA {bp}. Không phù chân.",
    "Người nhà cho biết có quên thuốc 2 ngày. HA {bp}.",
)
ADVICE = (
    "Ăn nhạt, uống thuốc đều, đo huyết áp mỗi sáng.",
    "Tái khám tại trạm y tế nếu chóng mặt, đau đầu nhiều.",
    "Tập đi bộ nhẹ 20 phút mỗi ngày.",
)


def _worker_and_commune() -> tuple[User, int] | None:
    worker = User.objects.filter(username="demo.health", role=Role.HEALTH_WORKER).first()
    if worker is None:
        return None
    code = worker.communes.order_by("code").values_list("code", flat=True).first()
    return (worker, code) if code is not None else None


def _patients(
    commune: int, citizen_person: Person | None, today: date, rng: random.Random
) -> list[Person]:
    """The oldest living adults of the commune first (those a health worker visits), mixed a
    little by the seed, with demo.citizen's own record among them."""
    born_before = date(today.year - 45, 1, 1)
    pool = list(
        Person.objects.filter(
            commune=commune,
            date_of_death__isnull=True,
            merged_into__isnull=True,
            date_of_birth__lte=born_before,
        )
        .exclude(personal_id=None)
        .order_by("date_of_birth", "id")[: PATIENTS * 3]
    )
    rng.shuffle(pool)
    chosen = sorted(pool[:PATIENTS], key=lambda p: p.pk)
    if citizen_person is not None and citizen_person not in chosen:
        chosen = [citizen_person, *chosen[: PATIENTS - 1]]
    return chosen


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _book(person: Person, worker: User, rng: random.Random, today: date, overdue: bool) -> int:
    """One patient's book, with a visit history; returns how many visits were written."""
    profile = rng.choice(PROFILES)
    for code in profile.conditions:
        onset = date(today.year - rng.randint(2, 15), rng.randint(1, 12), 1)
        services.condition_add(person=person, actor=worker, icd10_code=code, onset=onset)
    for name, dose, frequency in profile.medicines:
        services.medication_add(
            person=person,
            actor=worker,
            name=name,
            dose=dose,
            frequency=frequency,
            started=today - timedelta(days=rng.randint(60, 900)),
            prescriber="Trạm y tế xã",
        )
    if rng.random() < 0.15:
        services.allergy_add(
            person=person, actor=worker, substance=rng.choice(["Penicilin", "Aspirin", "Tôm, cua"]),
            severity=rng.choice(["mild", "moderate", "severe"]), reaction="Nổi mẩn, ngứa",
        )  # fmt: skip
    services.vaccination_add(
        person=person,
        actor=worker,
        vaccine="Cúm mùa",
        given_on=date(today.year - 1, 10, rng.randint(1, 28)),
        dose_number=1,
        place="Trạm y tế xã",
    )
    every = profile.every
    start = today - timedelta(days=every * rng.randint(3, 6) + rng.randint(0, every - 1))
    plan = services.care_plan_create(
        person=person,
        actor=worker,
        title=profile.plan,
        starts_on=start,
        visit_every_days=every,
        goals=list(profile.goals),
    )
    # The visits before the schedule's window, as if the plan had been followed all along.
    written = 0
    day = start
    window = today - timedelta(days=every)
    while day <= window:
        visit = services.home_visit_add(person=person, actor=worker, due_on=day, plan=plan)
        _record(visit, worker, rng, day)
        written += 1
        day += timedelta(days=every)
    # The latest due visit: done, except for the patients left overdue.
    for visit in HomeVisit.objects.filter(plan=plan, status="scheduled", due_on__lte=today):
        if not overdue:
            _record(visit, worker, rng, visit.due_on)
            written += 1
    return written


def _record(visit: HomeVisit, worker: User, rng: random.Random, day: date) -> None:
    if rng.random() < 0.1:
        services.home_visit_record(
            visit=visit, actor=worker, status="missed", findings="Không có ai ở nhà."
        )
        return
    bp = f"{rng.randint(118, 172)}/{rng.randint(70, 100)}"
    services.home_visit_record(
        visit=visit,
        actor=worker,
        status="done",
        findings=rng.choice(FINDINGS).format(bp=bp),
        advice=rng.choice(ADVICE),
        done_at=min(
            _moment(day + timedelta(days=rng.choice([0, 0, 1, 2])), rng.randint(8, 16)),
            timezone.now(),
        ),
    )


def _demo_carer(citizen_person: Person) -> User:
    """A citizen account for the person who looks after demo.citizen (a household member)."""
    from langso.demo.users import PASSWORD

    user = User.objects.filter(username=DEMO_CARER).first()
    if user is not None:
        return user
    relative = (
        Person.objects.filter(household=citizen_person.household, date_of_death__isnull=True)
        .exclude(pk=citizen_person.pk)
        .order_by("date_of_birth")
        .last()
        if citizen_person.household_id
        else None
    )
    taken = set(User.objects.exclude(phone=None).values_list("phone", flat=True))
    number = 1
    while f"+8439{number:07d}" in taken:
        number += 1
    return account_services.user_create(
        username=DEMO_CARER,
        password=PASSWORD,
        role=Role.CITIZEN,
        full_name=relative.full_name if relative else "Người chăm sóc minh hoạ",
        phone=f"039{number:07d}",
        via="cli",
    )


@transaction.atomic
def populate(province_code: int, seed: int) -> str:
    """Write the demo health books of the demo health worker's commune (idempotent)."""
    found = _worker_and_commune()
    if found is None:
        return (
            "Chưa có tài khoản demo.health: hãy chạy `langso demo` trước. / "
            "No demo.health account: run `langso demo` first."
        )
    worker, commune = found
    rng = random.Random(seed * 7919 + province_code)
    today = timezone.localdate()
    citizen = User.objects.filter(username="demo.citizen").first()
    citizen_person = Person.objects.filter(user=citizen).first() if citizen else None
    patients = _patients(commune, citizen_person, today, rng)
    done = set(
        CarePlan.objects.filter(person__in=patients, title__in=PLAN_TITLES).values_list(
            "person_id", flat=True
        )
    )
    added = visits = 0
    for index, person in enumerate(patients):
        own = citizen_person is not None and person.pk == citizen_person.pk
        people_services.consent_record(
            person=person,
            purpose="health",
            method="online" if own else "paper",
            actor=citizen if own and citizen else worker,
            note="Dữ liệu minh hoạ / demo data",
        )
        if person.pk in done:
            continue
        visits += _book(person, worker, rng, today, overdue=not own and index % 5 == 0)
        added += 1
    carers = 0
    if citizen_person is not None and citizen is not None:
        carer = _demo_carer(citizen_person)
        services.carer_name(
            person=citizen_person, carer=carer, relation="Người thân trong gia đình", actor=citizen
        )
        # demo.citizen looks after an older patient too, so the carer's view has someone in it.
        elder = min(
            (p for p in patients if p.pk != citizen_person.pk),
            key=lambda p: p.date_of_birth or today,
            default=None,
        )
        if elder is not None:
            services.carer_name(
                person=elder, carer=citizen, relation="Con", actor=worker, person_present=True
            )
        carers = Carer.objects.filter(person__in=patients, revoked_at__isnull=True).count()
    overdue = HomeVisit.objects.filter(
        person__in=patients, status="scheduled", due_on__lt=today
    ).count()
    return (
        f"Sổ sức khỏe / health books: {len(patients)} người có đồng ý / consented people "
        f"({added} sổ mới / new books, {visits} lần thăm đã ghi / visits recorded, "
        f"{overdue} lần thăm quá hạn / overdue visits, {carers} người chăm sóc / carers)."
    )
