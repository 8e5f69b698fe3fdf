"""Build (or find, or rebuild) a demo province in the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from langso.demo import extras, generate
from langso.demo.profiles import AREA_DECISION, AREA_FROM, AREA_TO, NOTE, profile_for
from langso.demo.users import Account, ensure_accounts
from langso.demo.writer import (
    DemoError,
    TableWriter,
    delete_demo,
    demo_querysets,
    indexes_deferred,
    loading_cache,
    release_ids,
    reserve_ids,
)
from lib.vn_text import name_key
from people.models import Disability, Household, Person, PovertyStatus
from places.models import AreaStatus, Commune, Province, Village

MAX_PEOPLE = 20_000_000
DEFER_INDEXES_FROM = 50_000


@dataclass
class Result:
    province: Province
    already_loaded: bool
    accounts: list[Account]
    summary: generate.Summary | None = None
    deleted: dict[str, int] = field(default_factory=dict)
    villages: int = 0
    area_statuses: int = 0
    seconds: float = 0.0
    extras: list[str] = field(default_factory=list)


def check_arguments(province: int, people: int) -> Province:
    """The province, or DemoError saying what is wrong with the arguments and how to fix it."""
    if people < 0 or people > MAX_PEOPLE:
        raise DemoError(
            f"Số người phải từ 0 đến {MAX_PEOPLE:,} (nhận được {people}); ví dụ --people 20000. / "
            f"The number of people must be between 0 and {MAX_PEOPLE:,} (got {people}); "
            "e.g. --people 20000."
        )
    found = Province.objects.filter(code=province).first()
    if found is None:
        codes = ", ".join(str(c) for c in Province.objects.values_list("code", flat=True)[:40])
        raise DemoError(
            f"Không có tỉnh mã {province}; dùng mã tỉnh 2 chữ số sau tháng 7/2025, ví dụ 96 "
            f"(Cà Mau) hoặc 14 (Sơn La). Các mã có: {codes}. / There is no province with code "
            f"{province}; use a 2-digit post-July-2025 province code, e.g. 96 (Cà Mau) or 14 "
            f"(Sơn La). Known codes: {codes}."
        )
    if not Commune.objects.filter(province=found).exists():
        raise DemoError(
            f"Tỉnh {found.name} chưa có xã nào; hãy chạy migrate. / "
            f"{found.name} has no communes yet; run migrate."
        )
    return found


def is_loaded(province: int) -> bool:
    return demo_querysets(province)["households"].exists()


def build(
    *,
    province: int,
    people: int,
    seed: int,
    reset: bool = False,
    batch_people: int = 20_000,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Build the demo province, or report that it is already there (reset: rebuild it).

    The whole build (with the deletion of the old demo on reset) is one transaction: a failed
    or interrupted run leaves the database as it was. Rows are generated and written in
    batches of about `batch_people` people, so memory stays flat whatever the size.
    """
    started = time.perf_counter()
    found = check_arguments(province, people)
    if not reset and is_loaded(province):
        with transaction.atomic():
            accounts = ensure_accounts(
                province,
                demo_querysets(province)["people"],
                generate.REFERENCE_DATE,
                reset_passwords=False,
            )
        extra = extras.populate(province, seed)
        return Result(found, True, accounts, seconds=time.perf_counter() - started, extras=extra)
    with loading_cache(), transaction.atomic():
        if reset:
            extras.delete(province)
        deleted = delete_demo(province) if reset else {}
        result = _build(
            found, people=people, seed=seed, batch_people=batch_people, progress=progress
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Person, Household):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.deleted = deleted
    result.extras = extras.populate(province, seed)
    result.seconds = time.perf_counter() - started
    return result


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _build(
    province: Province,
    *,
    people: int,
    seed: int,
    batch_people: int,
    progress: Callable[[str], None] | None,
) -> Result:
    profile = profile_for(province.code)
    communes = list(Commune.objects.filter(province=province).order_by("code"))
    taken: dict[int, set[str]] = {}
    for commune_id, key in Village.objects.filter(commune__in=communes).values_list(
        "commune_id", "name_key"
    ):
        taken.setdefault(commune_id, set()).add(key)
    plans = generate.plan(
        profile,
        [generate.CommuneInfo(c.code, c.name, c.division_type == "phường") for c in communes],
        people=people,
        seed=seed,
        taken_village_keys=taken,
    )
    Village.objects.bulk_create(
        [
            Village(
                commune_id=plan.code,
                name=village.name,
                name_key=name_key(village.name),
                kind=village.kind,
                local_code=village.local_code,
            )
            for plan in plans
            for village in plan.villages
        ],
        batch_size=500,
    )
    village_ids = {
        (commune_id, local_code): pk
        for pk, commune_id, local_code in Village.objects.filter(
            commune__in=communes, local_code__startswith=generate.VILLAGE_CODE_PREFIX
        ).values_list("id", "commune_id", "local_code")
    }
    statuses = _area_statuses(plans, village_ids)
    _say(progress, f"{len(village_ids)} thôn, ấp, bản / villages; {statuses} area statuses")

    now = timezone.now()
    writers = {
        "household": TableWriter(Household, generate.HOUSEHOLD_COLUMNS, now),
        "person": TableWriter(Person, generate.PERSON_COLUMNS, now),
        "disability": TableWriter(Disability, generate.DISABILITY_COLUMNS, now),
        "poverty": TableWriter(PovertyStatus, generate.POVERTY_COLUMNS, now),
    }
    models = {"household": Household, "person": Person, "disability": Disability,
              "poverty": PovertyStatus}  # fmt: skip
    # Upper bounds: no more households, disabilities or poverty rows than people.
    block = max(people, 1)
    first_ids = {name: reserve_ids(model, block) for name, model in models.items()}
    # Numbers already issued (outside this demo) with a prefix the demo uses must not recur.
    prefixes = Q()
    for prefix in generate.personal_id_prefixes(profile):
        prefixes |= Q(personal_id__startswith=prefix)
    existing = set(Person._base_manager.filter(prefixes).values_list("personal_id", flat=True))
    generator = generate.Generator(
        profile,
        plans,
        seed=seed,
        village_ids=village_ids,
        first_ids=first_ids,
        taken_personal_ids=existing,
    )
    written = 0

    def sink(rows: generate.Rows) -> None:
        nonlocal written
        writers["household"].write(rows.households)
        writers["person"].write(rows.people)
        writers["disability"].write(rows.disabilities)
        writers["poverty"].write(rows.poverty)
        written += len(rows.people)
        _say(progress, f"{written:,} / {people:,}")

    # Rebuilding an index once is much cheaper than keeping it sorted through a million
    # inserts, but only when the load is large next to what the table holds already.
    defer = people >= DEFER_INDEXES_FROM and people >= Person._base_manager.count()
    with indexes_deferred(list(models.values()) if defer else []):
        summary = generator.run(sink, batch_people=batch_people)
    for name, model in models.items():
        release_ids(
            model,
            reserved_last=first_ids[name] + block - 1,
            used_last=generator.next_id[name] - 1,
        )
    accounts = ensure_accounts(
        province.code, demo_querysets(province.code)["people"], generate.REFERENCE_DATE
    )
    audit_record(
        actor=None,
        action=AuditEntry.Action.CREATE,
        object_type="demo",
        object_id=province.code,
        object_label=f"Demo {province.name}",
        details={"seed": seed, "people": summary.people, "households": summary.households},
        via="cli",
    )
    return Result(
        province,
        False,
        accounts,
        summary=summary,
        villages=len(village_ids),
        area_statuses=statuses,
    )


def _area_statuses(
    plans: list[generate.CommunePlan], village_ids: dict[tuple[int, str], int]
) -> int:
    """Write the plan's area statuses, leaving alone places that already have one that day."""
    rows = generate.area_status_rows(plans)
    existing = set(
        AreaStatus.objects.filter(valid_from=AREA_FROM).values_list("commune_id", "village_id")
    )
    objects = []
    for commune, local_code, status in rows:
        village = village_ids[(commune, local_code)] if local_code else None
        place = (None, village) if village else (commune, None)
        if place in existing:
            continue
        objects.append(
            AreaStatus(
                commune_id=place[0],
                village_id=place[1],
                status=status,
                valid_from=AREA_FROM,
                valid_to=AREA_TO,
                decision=AREA_DECISION,
                note=NOTE,
            )
        )
    AreaStatus.objects.bulk_create(objects, batch_size=500)
    return len(objects)
