"""Demo data of the corners part: corners with hours and teams, a few weeks of appointments, a
queue for today, classes with attendance, and skills shown.

Corners, hours and teams go through the services; the day-to-day rows (past and future
appointments, today's tickets, classes, seats, skills) are written directly, because the
services refuse times in the past and would send real SMS through the outbox for each booking.
Running it again adds nothing: each corner is found by commune and name, and a corner that
already has appointments is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from help import selectors, services
from help.models import (
    Appointment,
    Corner,
    GroupSession,
    Language,
    QueueToken,
    SessionSeat,
    SkillAttestation,
    Topic,
)
from people.models import Person
from places.models import Commune

# (name, address, village index or None, step-free, Saturday morning, desks, Khmer spoken)
TOP_CORNERS = (
    ("Điểm chuyển đổi số cộng đồng UBND {commune}", "Trụ sở UBND, 02 Trần Phú", None, True, True, 2, True),
    ("Điểm CĐS nhà văn hóa {village}", "Nhà văn hóa {village}, 15 Nguyễn Trãi", 0, True, False, 1, False),
    ("Điểm CĐS bưu điện văn hóa {commune}", "Bưu điện văn hóa, 48 Hai Bà Trưng", 1, False, True, 1, True),
)  # fmt: skip
OTHER_CORNER = ("Điểm CĐS UBND {commune}", "Trụ sở UBND {commune}, ấp Chợ", True, 1, False)
OTHER_COMMUNES = 3
HELPER_NAMES = (
    "Danh Thị Sà Rươne",
    "Lâm Văn Thành",
    "Nguyễn Thị Bích Trâm",
    "Thạch Văn Sóc",
    "Trần Quốc Huy",
    "Lý Thị Kim Hằng",
)
PEOPLE_NAMES = (
    "Danh Thị Mai",
    "Thạch Văn Sơn",
    "Nguyễn Văn Út",
    "Trần Thị Bé Hai",
    "Lâm Thị Sa Ly",
    "Huỳnh Văn Tư",
    "Kim Thị Sóc Phia",
    "Võ Thị Hồng",
    "Lê Văn Năm",
    "Sơn Thị Chanh Thu",
    "Phạm Văn Bảy",
    "Châu Thị Ngọc",
)
PREFIXES = ("091", "094", "088", "083", "097", "098", "086", "070", "077", "079")
TOPIC_WEIGHTS = {
    Topic.VNEID_LEVEL2: 6,
    Topic.DOSSIER: 3,
    Topic.HEALTH_INSURANCE_APP: 4,
    Topic.E_PAYMENT: 4,
    Topic.BENEFITS_QUESTION: 3,
    Topic.DEVICE_PROBLEM: 2,
    Topic.JOB_APPLICATION: 1,
    Topic.E_COMMERCE: 1,
}
CLASSES = (
    ("Cài và dùng ứng dụng VNeID", "vneid-install-login"),
    ("Trả tiền điện, tiền nước bằng điện thoại", "pay-utility-bill"),
    ("Nhận biết lừa đảo qua điện thoại", "spot-online-scams"),
    ("Gọi video cho con cháu bằng Zalo", "zalo-video-call"),
)


def _phone(rng: random.Random) -> str:
    return "+84" + rng.choice(PREFIXES)[1:] + f"{rng.randrange(10**7):07d}"


def _code(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choice(services.CODE_ALPHABET) for _ in range(services.CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def _topic(rng: random.Random) -> str:
    return rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]


def _communes(province_code: int) -> tuple[Commune, list[Commune]]:
    helper = User.objects.filter(username="demo.helper").first()
    top_code = helper.communes.values_list("code", flat=True).first() if helper else None
    busiest = list(
        Person.objects.filter(commune__province_id=province_code)
        .values("commune")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("commune", flat=True)[: OTHER_COMMUNES + 1]
    )
    codes = [top_code] if top_code else []
    codes += [c for c in busiest if c not in codes]
    if not codes:
        codes = list(
            Commune.objects.filter(province_id=province_code).values_list("code", flat=True)[:4]
        )
    by_code = Commune.objects.in_bulk(codes)
    communes = [by_code[c] for c in codes if c in by_code]
    return communes[0], communes[1 : OTHER_COMMUNES + 1]


def _helper(commune: Commune, index: int) -> User:
    username = f"demo.cns.{commune.code}.{index}"
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return account_services.user_create(
        username=username,
        password=None,
        role=Role.HELPER,
        full_name=HELPER_NAMES[(commune.code + index) % len(HELPER_NAMES)],
        communes=[commune.code],
    )


def _corner(
    commune: Commune,
    name: str,
    address: str,
    *,
    village_id: int | None,
    step_free: bool,
    saturday: bool,
    desks: int,
) -> tuple[Corner, bool]:
    existing = Corner.objects.filter(commune=commune, name=name).first()
    if existing is not None:
        return existing, False
    corner = services.corner_create(
        commune_code=commune.code,
        name=name,
        address=address,
        village_id=village_id,
        phone="0290 3" + f"{commune.code % 1000:03d}" + "123",
        description="Hỗ trợ người dân dùng VNeID, dịch vụ công trực tuyến, VssID, thanh toán "
        "điện tử; ưu tiên người cao tuổi, người khuyết tật.",
        step_free=step_free,
        seating=True,
        accessible_toilet=step_free,
        accessibility_note="Có dốc cho xe lăn ở cửa chính." if step_free else "",
        equipment="2 máy tính, 1 máy in, 1 điện thoại thông minh để người dân tập.",
        wifi=Corner.Wifi.FREE,
        slot_minutes=20,
        desks=desks,
        topics=list(TOPIC_WEIGHTS),
        by=None,
        via="demo",
    )
    intervals = [
        (day, start, end)
        for day in range(5)
        for start, end in ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    ]
    if saturday:
        intervals.append((5, time(7, 30), time(11, 0)))
    services.corner_hours_set(corner=corner, intervals=intervals, by=None)
    return corner, True


def _team(corner: Corner, helpers: list[tuple[User, tuple[str, ...]]]) -> None:
    current = set(corner.members.values_list("user_id", flat=True))
    for user, languages in helpers:
        if user.pk not in current:
            services.member_add(corner=corner, user=user, languages=languages, by=None)


def _slots(corner: Corner, day: date) -> list[datetime]:
    return selectors.slot_grid(corner, day, corner.hours.all())


def _appointments(
    corner: Corner,
    rng: random.Random,
    people: list[Person],
    today: date,
    helper_times: set[tuple[int, datetime]],
) -> int:
    """Three weeks back and two ahead, about a fifth of each day's slots."""
    now = timezone.now()
    rows: list[Appointment] = []
    codes = set(Appointment.objects.values_list("code", flat=True))
    helpers = list(corner.members.filter(is_active=True).values_list("user_id", flat=True))
    for offset in range(-21, 15):
        day = today + timedelta(days=offset)
        for start in _slots(corner, day):
            if rng.random() > 0.2:
                continue
            person = rng.choice(people) if people and rng.random() < 0.5 else None
            if start < now:
                status = rng.choices(
                    [Appointment.Status.DONE, Appointment.Status.NO_SHOW, "cancelled"],
                    weights=[8, 1, 1],
                )[0]
            else:
                status = rng.choices([Appointment.Status.BOOKED, "cancelled"], weights=[9, 1])[0]
            code = _code(rng, codes)
            rows.append(
                Appointment(
                    corner=corner,
                    helper_id=rng.choice(helpers) if helpers and rng.random() < 0.3 else None,
                    person=person,
                    name=person.full_name if person else rng.choice(PEOPLE_NAMES),
                    phone=(person.phone if person and person.phone else _phone(rng)),
                    topic=_topic(rng),
                    kind=rng.choices(list(Appointment.Kind.values), weights=[8, 1, 1])[0],
                    starts_at=start,
                    ends_at=start + timedelta(minutes=corner.slot_minutes),
                    desk=1,
                    status=status,
                    code=code,
                    reminder_sent_at=start - timedelta(hours=15) if start < now else None,
                    cancelled_at=start - timedelta(days=1) if status == "cancelled" else None,
                )
            )
    # One row per slot keeps the no-double-booking constraint; a helper (who may serve at
    # several corners) meets one person at a time.
    for row in rows:
        if row.helper_id and (row.helper_id, row.starts_at) in helper_times:
            row.helper_id = None
        elif row.helper_id:
            helper_times.add((row.helper_id, row.starts_at))
    Appointment.objects.bulk_create(rows)
    return len(rows)


def _queue(corner: Corner, rng: random.Random, today: date, helper: User | None) -> int:
    """Today's tickets: a few served, one being served, several waiting (one with priority)."""
    if corner.closures.filter(day=today).exists() or not _slots(corner, today):
        return 0
    start = selectors.at_local(today, time(7, 30))
    statuses = ["done", "done", "left", "done", "serving", "waiting", "waiting", "waiting"]
    tokens = []
    for number, status in enumerate(statuses, start=1):
        issued = start + timedelta(minutes=12 * number)
        tokens.append(
            QueueToken(
                corner=corner,
                day=today,
                number=number,
                name=rng.choice(PEOPLE_NAMES),
                phone=_phone(rng) if rng.random() < 0.6 else "",
                topic=_topic(rng),
                priority=number == 7,
                status=status,
                issued_at=issued,
                called_at=issued + timedelta(minutes=10) if status != "waiting" else None,
                finished_at=issued + timedelta(minutes=30) if status in ("done", "left") else None,
                served_by=helper if status in ("done", "serving") else None,
            )
        )
    QueueToken.objects.bulk_create(tokens)
    return len(tokens)


def _classes(
    corner: Corner, rng: random.Random, today: date, helper: User, people: list[Person]
) -> int:
    made = 0
    for index, (title, skill) in enumerate(CLASSES):
        day = today + timedelta(days=(index - 2) * 7 + 2)
        starts_at = selectors.at_local(day, time(14, 0))
        session = GroupSession.objects.create(
            corner=corner,
            title=title,
            description="Mang theo điện thoại và căn cước công dân.",
            skill=skill,
            helper=helper,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=90),
            capacity=15,
        )
        past = starts_at < timezone.now()
        phones: set[str] = set()
        for _ in range(rng.randint(6, 12)):
            person = rng.choice(people) if people and rng.random() < 0.5 else None
            phone = person.phone if person and person.phone else _phone(rng)
            if phone in phones:
                continue
            phones.add(phone)
            attended = (rng.random() < 0.85) if past else None
            SessionSeat.objects.create(
                session=session,
                person=person,
                name=person.full_name if person else rng.choice(PEOPLE_NAMES),
                phone=phone,
                attended=attended,
                marked_by=helper if past else None,
            )
            if attended and rng.random() < 0.5:
                SkillAttestation.objects.create(
                    person=person,
                    name=person.full_name if person else rng.choice(PEOPLE_NAMES),
                    phone=phone,
                    commune=corner.commune,
                    skill=skill,
                    attested_by=helper,
                    attested_at=starts_at + timedelta(minutes=80),
                    session=session,
                    note="Tự làm được trong lớp.",
                )
        made += 1
    return made


@transaction.atomic
def populate(province_code: int, seed: int) -> str:
    """Corners of the demo province with teams, bookings, today's queue, classes and skills."""
    rng = random.Random(seed)
    today = timezone.localdate()
    top, others = _communes(province_code)
    villages = list(top.villages.order_by("name")[:2])
    demo_helper = User.objects.filter(username="demo.helper").first()
    team = [(u, (Language.VIETNAMESE,)) for u in (_helper(top, 1), _helper(top, 2))]
    if demo_helper is not None:
        team.insert(0, (demo_helper, (Language.VIETNAMESE, Language.KHMER)))
    corners: list[tuple[Corner, bool]] = []
    for name, address, village, step_free, saturday, desks, khmer in TOP_CORNERS:
        village_obj = villages[village] if village is not None and len(villages) > village else None
        village_name = village_obj.name if village_obj else "khóm 1"
        corner, created = _corner(
            top,
            name.format(commune=top.name, village=village_name),
            address.format(village=village_name),
            village_id=village_obj.pk if village_obj else None,
            step_free=step_free,
            saturday=saturday,
            desks=desks,
        )
        members = team[: desks + 1] if khmer else team[1:]
        _team(corner, [(u, langs if khmer else (Language.VIETNAMESE,)) for u, langs in members])
        corners.append((corner, created))
    for commune in others:
        name, address, step_free, desks, saturday = OTHER_CORNER
        corner, created = _corner(
            commune,
            name.format(commune=commune.name),
            address.format(commune=commune.name),
            village_id=None,
            step_free=step_free,
            saturday=saturday,
            desks=desks,
        )
        _team(corner, [(_helper(commune, 1), (Language.VIETNAMESE, Language.KHMER))])
        corners.append((corner, created))

    appointments = tokens = classes = 0
    helper_times: set[tuple[int, datetime]] = set(
        Appointment.objects.filter(helper__isnull=False, status__in=Appointment.ACTIVE).values_list(
            "helper_id", "starts_at"
        )
    )
    for corner, _created in corners:
        if corner.appointments.exists():
            continue  # already populated: nothing twice
        people = list(
            Person.objects.living()
            .filter(commune=corner.commune)
            .exclude(phone="")
            .order_by("pk")[:200]
        )
        helper = corner.members.filter(is_active=True).select_related("user").first()
        appointments += _appointments(corner, rng, people, today, helper_times)
        tokens += _queue(corner, rng, today, helper.user if helper else None)
        if helper is not None and corner.commune_id == top.code and classes == 0:
            classes += _classes(corner, rng, today, helper.user, people)
    new = sum(1 for _c, created in corners if created)
    return (
        f"help: {len(corners)} corners ({new} new; {top.name} and {len(others)} other communes), "
        f"{appointments} appointments, {tokens} queue tickets today, {classes} classes"
    )
