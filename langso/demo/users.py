"""One demo account per role, scoped to the demo province, all with the same password.

Accounts are never deleted (the audit log keeps pointing at them), so running the demo again
brings existing demo accounts back to their demo state through the accounts services instead:
role, communes, name, phone, active flag and password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from accounts import services as account_services
from accounts.models import Role, User
from lib.phone import display as phone_display
from people import services as people_services
from people.models import Person
from places.models import Commune

# Printed for everyone to read: these accounts only ever hold made-up data.
PASSWORD = "langso-demo-2026"  # noqa: S105

ROLE_NAMES_VI = {
    Role.CITIZEN: "Người dân",
    Role.HELPER: "Thành viên tổ công nghệ số cộng đồng",
    Role.COMMUNE_OFFICER: "Cán bộ xã",
    Role.HEALTH_WORKER: "Nhân viên y tế",
    Role.EMPLOYER: "Doanh nghiệp, cơ sở đào tạo",
    Role.PARTNER: "Đối tác (nhà mạng, nhà tài trợ)",
    Role.PROVINCE_ADMIN: "Quản trị viên tỉnh",
}
ROLE_NAMES_EN = {
    Role.CITIZEN: "Citizen",
    Role.HELPER: "Community digital-technology team member",
    Role.COMMUNE_OFFICER: "Commune officer",
    Role.HEALTH_WORKER: "Health worker",
    Role.EMPLOYER: "Employer or training provider",
    Role.PARTNER: "Partner (telecom operator, donor)",
    Role.PROVINCE_ADMIN: "Province administrator",
}

# (username, role, where: "top" commune, "other" commune or none)
ACCOUNTS = (
    ("demo.citizen", Role.CITIZEN, ""),
    ("demo.helper", Role.HELPER, "top"),
    ("demo.officer", Role.COMMUNE_OFFICER, "top"),
    ("demo.health", Role.HEALTH_WORKER, "top"),
    ("demo.officer2", Role.COMMUNE_OFFICER, "other"),
    ("demo.employer", Role.EMPLOYER, ""),
    ("demo.partner", Role.PARTNER, ""),
    ("demo.admin", Role.PROVINCE_ADMIN, ""),
)
_STAFF_NAMES = {
    96: {
        "demo.helper": "Huỳnh Thị Kim Ngân",
        "demo.officer": "Nguyễn Văn Phước",
        "demo.health": "Trần Thị Mỹ Linh",
        "demo.officer2": "Thạch Văn Sang",
        "demo.employer": "Lâm Quốc Cường",
        "demo.partner": "Phạm Thị Thu Trang",
        "demo.admin": "Võ Thành Đạt",
    },
    14: {
        "demo.helper": "Lò Thị Xuân",
        "demo.officer": "Cầm Văn Chiến",
        "demo.health": "Quàng Thị Hương",
        "demo.officer2": "Giàng A Dính",
        "demo.employer": "Nguyễn Đức Mạnh",
        "demo.partner": "Hoàng Thị Lan",
        "demo.admin": "Lường Văn Thắng",
    },
}
_DEFAULT_NAMES = {
    "demo.helper": "Lê Thị Hồng",
    "demo.officer": "Nguyễn Văn Minh",
    "demo.health": "Trần Thị Thu",
    "demo.officer2": "Phạm Quốc Huy",
    "demo.employer": "Đỗ Đức Thành",
    "demo.partner": "Bùi Thị Lan",
    "demo.admin": "Vũ Hoàng Nam",
}
_ORGANISATIONS = {
    "demo.employer": "Hợp tác xã Làng Số (dữ liệu minh hoạ)",
    "demo.partner": "Nhà mạng và nhà tài trợ (dữ liệu minh hoạ)",
}


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    full_name: str
    communes: tuple[str, ...]
    phone: str


def _pick_communes(people: QuerySet[Person], province: int) -> tuple[int | None, int | None]:
    """The commune with the most demo people, and another one (of the other kind if any)."""
    counts = list(
        people.values("commune")
        .annotate(n=Count("id"))
        .order_by("-n", "commune")
        .values_list("commune", "n")
    )
    communes = {c.code: c for c in Commune.objects.filter(province_id=province)}
    if not communes:
        return None, None
    top = counts[0][0] if counts else min(communes)
    urban = communes[top].division_type == "phường"
    others = [code for code, _ in counts if code != top] + sorted(set(communes) - {top})
    for code in others:
        if (communes[code].division_type == "phường") != urban:
            return top, code
    return top, (others[0] if others else None)


def _citizen_person(
    people: QuerySet[Person], commune: int | None, reference: date
) -> Person | None:
    """A living adult head of household in the commune, whose phone no other account uses."""
    taken = User.objects.exclude(username="demo.citizen").exclude(phone=None).values("phone")
    adults = (
        people.filter(
            commune=commune,
            date_of_death__isnull=True,
            date_of_birth__lte=date(reference.year - 25, 1, 1),
            date_of_birth__gte=date(reference.year - 60, 1, 1),
        )
        .exclude(phone="")
        .exclude(phone__in=taken)
        .order_by("id")
    )
    return adults.filter(relation_to_head="head").first() or adults.first()


def ensure_accounts(
    province: int, people: QuerySet[Person], reference: date, *, reset_passwords: bool = True
) -> list[Account]:
    """Create the demo accounts, or bring existing ones back to their demo state.

    demo.citizen is linked to an adult of the demo (their phone is the account's phone); the
    commune staff work in the commune with the most people, demo.officer2 in another one.
    Checking a password costs as much as setting one (scrypt), so `reset_passwords=False`
    leaves existing accounts' passwords alone: that keeps "already loaded" quick.
    """
    top, other = _pick_communes(people, province)
    citizen = _citizen_person(people, top, reference)
    names = _STAFF_NAMES.get(province, _DEFAULT_NAMES)
    commune_names = {c.code: c.name for c in Commune.objects.filter(code__in=[top, other])}
    accounts = []
    for username, role, where in ACCOUNTS:
        commune = {"top": top, "other": other}.get(where)
        codes = [commune] if commune is not None else []
        phone, full_name = "", names.get(username, "")
        if role == Role.CITIZEN:
            phone = citizen.phone if citizen else ""
            full_name = citizen.full_name if citizen else "Người dân minh hoạ"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(
                username=username,
                password=PASSWORD,
                role=role,
                full_name=full_name,
                phone=phone or None,
                communes=codes,
                organisation=_ORGANISATIONS.get(username, ""),
                via="cli",
            )
        else:
            account_services.user_update(
                user=user,
                changed_by=None,
                role=role,
                full_name=full_name,
                phone=phone or None,
                communes=codes,
                is_active=True,
                organisation=_ORGANISATIONS.get(username, ""),
                via="cli",
            )
            if reset_passwords and not user.check_password(PASSWORD):
                account_services.user_password_set(user=user, password=PASSWORD, by=None)
        if role == Role.CITIZEN:
            # The citizen sees their own record through this link; only one record is theirs.
            linked = citizen.pk if citizen else None
            stale = Person._base_manager.filter(user=user).exclude(pk=linked)
            if citizen and citizen.user_id not in (None, user.pk):
                stale = stale | Person._base_manager.filter(pk=citizen.pk)
            for other in stale:
                people_services.person_unlink_user(person=other, by=None, reason="demo")
            if citizen:
                people_services.person_link_user(
                    person=citizen,
                    user=user,
                    by=None,
                    method=people_services.AccountLinkMethod.DEMO,
                    reason="demo",
                )
            if citizen:
                codes = [citizen.commune_id]
                commune_names.setdefault(citizen.commune_id, citizen.commune.name)
        accounts.append(
            Account(
                username=username,
                role=role,
                full_name=full_name,
                communes=tuple(commune_names[c] for c in codes),
                phone=phone_display(phone) if phone else "",
            )
        )
    return accounts
