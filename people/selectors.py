"""Reads of the registry: search, a person's page, history, duplicates, the verified extract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from lib import personal_id as pid_lib
from lib import phone as phone_lib
from lib.money import format_vnd
from lib.vn_text import name_key
from people.models import (
    Consent,
    Disability,
    DuplicateDismissal,
    HistoryEntry,
    Household,
    ImportRun,
    Person,
    PovertyStatus,
    SocialFact,
)
from people.permissions import people_for_user

# Search --------------------------------------------------------------------------------------


def search_people(user: User, query: str, commune_code: int | None = None) -> QuerySet[Person]:
    """People of the user's communes matching an ID number, a phone number or a name.

    Twelve digits look up the personal ID, nine the old ID card, a phone number the phone;
    three to eight digits match the end of the ID number (what a masked list shows).
    Anything else is a name, typed with or without diacritics: every word must appear.
    """
    people = people_for_user(user).filter(merged_into__isnull=True)
    if commune_code is not None:
        people = people.filter(commune_id=commune_code)
    text = query.strip()
    digits = pid_lib.clean(text).removeprefix("+")
    if text and digits.isdigit():
        if len(digits) == 12:
            people = people.filter(personal_id=digits)
        elif len(digits) == 9:
            people = people.filter(legacy_id=digits)
        elif phone_lib.looks_like_phone(text):
            people = people.filter(phone=phone_lib.normalise(text))
        elif len(digits) >= 3:
            people = people.filter(personal_id__endswith=digits)
        else:
            return people.none()
    elif text:
        for word in name_key(text).split():
            people = people.filter(name_key__contains=word)
    return people.select_related("commune", "village").order_by("name_key", "id")


# A person's page -------------------------------------------------------------------------------


def current(queryset: QuerySet[Any], day: date) -> QuerySet[Any]:
    """Rows whose validity period holds on that day."""
    return queryset.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).filter(
        valid_from__lte=day
    )


def open_facts(person: Person) -> dict[str, SocialFact]:
    return {f.kind: f for f in SocialFact.objects.filter(person=person, valid_to__isnull=True)}


def open_disabilities(person: Person) -> list[Disability]:
    return list(
        Disability.objects.filter(person=person, valid_to__isnull=True).order_by("-valid_from")
    )


def household_poverty(household: Household | None) -> PovertyStatus | None:
    if household is None:
        return None
    return PovertyStatus.objects.filter(household=household).order_by("-review_year").first()


def household_members(household: Household | None) -> list[Person]:
    """The living and dead members of a household: the head first, then the oldest."""
    if household is None:
        return []
    members = list(household.members.filter(merged_into__isnull=True).select_related("village"))
    members.sort(key=lambda p: (p.relation_to_head != "head", p.date_of_birth or date.max, p.pk))
    return members


def consents_of(person: Person) -> list[Consent]:
    return list(
        Consent.objects.filter(person=person)
        .select_related("recorded_by", "withdrawn_by")
        .order_by("withdrawn_at", "purpose", "-recorded_at")
    )


def history_of(
    *, person: Person | None = None, household: Household | None = None, limit: int | None = None
) -> list[HistoryEntry]:
    """The changes of a person or a household, newest first, ending with its creation.

    A record created by an import or a sync keeps that fact on itself (created_by_run); it is
    shown here as the first entry of its history, like any other.
    """
    entries = HistoryEntry.objects.select_related("actor", "import_run")
    if person is not None:
        entries = entries.filter(person=person)
    if household is not None:
        entries = entries.filter(household=household)
    entries = entries.order_by("-at", "-id")
    found = list(entries[:limit] if limit is not None else entries)
    owner: Person | Household | None = person or household
    if owner is None or owner.created_by_run_id is None:
        return found
    if limit is not None and len(found) >= limit:
        return found
    run = ImportRun.objects.select_related("actor").filter(pk=owner.created_by_run_id).first()
    found.append(
        HistoryEntry(
            person=person,
            household=household,
            at=owner.created_at,
            actor=run.actor if run is not None else None,
            actor_label=run.actor.username if run is not None and run.actor else "",
            source=(
                HistoryEntry.Source.SYNC
                if run is not None and run.source == ImportRun.Source.SYNC
                else HistoryEntry.Source.IMPORT
            ),
            kind=HistoryEntry.Kind.CREATED,
            import_run=run,
            line=getattr(owner, "created_line", None),
        )
    )
    return found


FIELD_LABELS = {
    "personal_id": gettext_lazy("personal ID number"),
    "legacy_id": gettext_lazy("old ID card number"),
    "full_name": gettext_lazy("full name"),
    "date_of_birth": gettext_lazy("date of birth"),
    "birth_precision": gettext_lazy("date of birth known to"),
    "sex": gettext_lazy("sex"),
    "ethnicity": gettext_lazy("ethnicity"),
    "ethnicity_code": gettext_lazy("ethnicity code"),
    "ethnicity_code_list": gettext_lazy("ethnicity code list"),
    "commune_code": gettext_lazy("commune"),
    "village": gettext_lazy("village"),
    "household_id": gettext_lazy("household"),
    "relation_to_head": gettext_lazy("relation to head"),
    "phone": gettext_lazy("phone number"),
    "marital_status": gettext_lazy("marital status"),
    "date_of_death": gettext_lazy("date of death"),
    "disability": gettext_lazy("disability"),
    "disability_certified_on": gettext_lazy("disability certified on"),
    "poverty_status": gettext_lazy("poverty status"),
    "monthly_pension_vnd": gettext_lazy("monthly pension or social-insurance benefit"),
    "has_hiv": gettext_lazy("living with HIV"),
    "child_without_care": gettext_lazy("child without a source of care"),
    "is_studying": gettext_lazy("studying (ages 16-22)"),
    "has_supporter": gettext_lazy("has someone to support them"),
    "is_pregnant": gettext_lazy("pregnant"),
    "taken_in_by_community": gettext_lazy("taken in by someone in the community"),
    "in_foster_care": gettext_lazy("raised and cared for by a foster carer"),
    "foster_carer": gettext_lazy("foster carer"),
    "consent": gettext_lazy("consent"),
    "merged_into": gettext_lazy("merged into"),
    "merged_from": gettext_lazy("merged from"),
    "user": gettext_lazy("linked account"),
}
_CHOICES: dict[str, dict[str, Any]] = {
    "sex": dict(Person._meta.get_field("sex").flatchoices),
    "relation_to_head": dict(Person.Relation.choices),
    "marital_status": dict(Person.MaritalStatus.choices),
    "birth_precision": dict(Person.BirthPrecision.choices),
}
SENSITIVE_FIELDS = frozenset({"has_hiv"})


@dataclass
class ChangeRow:
    label: str
    old: str
    new: str


def _display(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name in _CHOICES:
        return str(_CHOICES[name].get(value, value))
    if name in ("date_of_birth", "date_of_death", "disability_certified_on") and isinstance(
        value, str
    ):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return day.strftime("%d/%m/%Y")
    if name == "monthly_pension_vnd" and isinstance(value, int):
        return format_vnd(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "disability" and isinstance(value, list):
        types = dict(Disability.Type.choices)
        levels = dict(Disability.Level.choices)
        parts = []
        for item in value:
            kind, _sep, level = str(item).partition(":")
            parts.append(f"{types.get(kind, kind)} ({levels.get(level, level)})")
        return ", ".join(parts) or "—"
    if name == "commune_code" and isinstance(value, int):
        return f"{value:05d}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def describe_changes(changes: dict[str, Any], *, sensitive: bool) -> list[ChangeRow]:
    """History changes as rows of label, old and new, hiding health data from those who may not see it."""
    rows = []
    for name, pair in changes.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if name in SENSITIVE_FIELDS and not sensitive:
            rows.append(ChangeRow(str(FIELD_LABELS.get(name, name)), "•••", "•••"))
            continue
        rows.append(
            ChangeRow(str(FIELD_LABELS.get(name, name)), _display(name, old), _display(name, new))
        )
    return rows


# Duplicates ------------------------------------------------------------------------------------


@dataclass
class DuplicateGroup:
    reason: str
    people: list[Person]


def duplicate_candidates(user: User, commune_code: int | None = None) -> list[DuplicateGroup]:
    """Records that may be the same person, within the user's communes.

    Two kinds: the same old ID card number, and, where at least one record has no personal ID,
    the same normalised name, date of birth and commune. Pairs an officer marked as different
    people are left out.
    """
    people = people_for_user(user).filter(merged_into__isnull=True)
    if commune_code is not None:
        people = people.filter(commune_id=commune_code)
    groups: list[tuple[str, Q]] = []
    by_legacy = (
        people.exclude(legacy_id="")
        .values("legacy_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("legacy_id")[:200]
    )
    for row in by_legacy:
        groups.append((str(_("Same old ID card number")), Q(legacy_id=row["legacy_id"])))
    by_name = (
        people.filter(date_of_birth__isnull=False)
        .values("name_key", "date_of_birth", "commune_id")
        .annotate(n=Count("id"), without_id=Count("id", filter=Q(personal_id__isnull=True)))
        .filter(n__gt=1, without_id__gt=0)
        .order_by("commune_id", "name_key")[:200]
    )
    for row in by_name:
        groups.append(
            (
                str(_("Same name, date of birth and commune; at least one has no personal ID")),
                Q(
                    name_key=row["name_key"],
                    date_of_birth=row["date_of_birth"],
                    commune_id=row["commune_id"],
                ),
            )
        )
    if not groups:
        return []
    combined = Q()
    for _reason, condition in groups:
        combined |= condition
    members = list(people.filter(combined).select_related("commune", "village").order_by("id"))
    ids = [p.pk for p in members]
    dismissed = set(
        DuplicateDismissal.objects.filter(first_id__in=ids, second_id__in=ids).values_list(
            "first_id", "second_id"
        )
    )
    result: list[DuplicateGroup] = []
    seen: set[tuple[int, ...]] = set()
    for reason, condition in groups:
        group = [p for p in members if _matches(p, condition)]
        key = tuple(p.pk for p in group)
        if len(group) < 2 or key in seen:
            continue
        pairs = {(a.pk, b.pk) for i, a in enumerate(group) for b in group[i + 1 :]}
        if pairs <= dismissed:
            continue
        seen.add(key)
        result.append(DuplicateGroup(reason, group))
    return result


def _matches(person: Person, condition: Q) -> bool:
    return all(getattr(person, name) == value for name, value in condition.children)  # type: ignore[misc]


# The verified extract --------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "personal_id",
    "full_name",
    "date_of_birth",
    "sex",
    "commune_code",
    "disability_types",
    "disability_level",
    "disability_certified_on",
    "poverty_status",
    "poverty_period",
    "poverty_review_year",
    "monthly_pension_vnd",
    "child_without_care",
    "is_studying",
    "has_supporter",
    "verified_on",
    "source",
)
_LEVEL_ORDER = {"mild": 1, "severe": 2, "especially_severe": 3}
# Health data stays in the province: HIV status is never part of the extract.
EXPORTED_FACTS = (
    SocialFact.Kind.MONTHLY_PENSION,
    SocialFact.Kind.CHILD_WITHOUT_CARE,
    SocialFact.Kind.STUDYING,
    SocialFact.Kind.HAS_SUPPORTER,
)


def verified_extract(
    *, communes: set[int] | None, day: date, chunk_size: int = 2000
) -> Iterator[dict[str, Any]]:
    """One row per living person with a personal ID and at least one verified social fact.

    Facts are those in force on `day`: disabilities (all types, the highest level), the
    household's poverty classification when poor or near-poor, and the exported social facts.
    Rows come in personal-ID order, read in chunks so that memory stays flat.
    """
    people = Person.objects.living().filter(personal_id__isnull=False)
    if communes is not None:
        people = people.filter(commune_id__in=communes)
    disabled = current(Disability.objects.all(), day).values("person_id")
    with_facts = current(SocialFact.objects.filter(kind__in=EXPORTED_FACTS), day).values(
        "person_id"
    )
    poor_households = current(
        PovertyStatus.objects.filter(status__in=["poor", "near_poor"]), day
    ).values("household_id")
    people = people.filter(
        Q(id__in=disabled) | Q(id__in=with_facts) | Q(household_id__in=poor_households)
    ).order_by("personal_id")
    last = ""
    while True:
        chunk = list(
            people.filter(personal_id__gt=last).values(
                "id",
                "personal_id",
                "full_name",
                "date_of_birth",
                "birth_precision",
                "sex",
                "commune_id",
                "household_id",
            )[:chunk_size]
        )
        if not chunk:
            return
        last = chunk[-1]["personal_id"]
        ids = [p["id"] for p in chunk]
        disabilities: dict[int, list[Disability]] = {}
        for d in current(Disability.objects.filter(person_id__in=ids), day):
            disabilities.setdefault(d.person_id, []).append(d)
        facts: dict[int, dict[str, SocialFact]] = {}
        for f in current(
            SocialFact.objects.filter(person_id__in=ids, kind__in=EXPORTED_FACTS), day
        ):
            facts.setdefault(f.person_id, {})[f.kind] = f
        households = {p["household_id"] for p in chunk if p["household_id"]}
        poverty: dict[int, PovertyStatus] = {}
        for row in current(PovertyStatus.objects.filter(household_id__in=households), day).order_by(
            "review_year"
        ):
            poverty[row.household_id] = row
        for p in chunk:
            yield _extract_row(
                p,
                disabilities.get(p["id"], []),
                facts.get(p["id"], {}),
                poverty.get(p["household_id"]),
            )


def _extract_row(
    person: dict[str, Any],
    disabilities: list[Disability],
    facts: dict[str, SocialFact],
    poverty: PovertyStatus | None,
) -> dict[str, Any]:
    dob = person["date_of_birth"]
    precision = person["birth_precision"]
    if dob is None:
        born = ""
    elif precision == "year":
        born = f"{dob.year}"
    elif precision == "month":
        born = f"{dob.month:02d}/{dob.year}"
    else:
        born = dob.isoformat()
    recorded = [d.recorded_at for d in disabilities] + [f.recorded_at for f in facts.values()]
    sources = {d.source for d in disabilities} | {f.source for f in facts.values()}
    row: dict[str, Any] = {
        "personal_id": person["personal_id"],
        "full_name": person["full_name"],
        "date_of_birth": born,
        "sex": person["sex"],
        "commune_code": f"{person['commune_id']:05d}",
        "disability_types": "|".join(sorted({d.disability_type for d in disabilities})),
        "disability_level": max(
            (d.level for d in disabilities), key=lambda lv: _LEVEL_ORDER.get(lv, 0), default=""
        ),
        "disability_certified_on": max(
            (d.certified_on.isoformat() for d in disabilities if d.certified_on), default=""
        ),
        "poverty_status": "",
        "poverty_period": "",
        "poverty_review_year": "",
        "monthly_pension_vnd": "",
        "child_without_care": "",
        "is_studying": "",
        "has_supporter": "",
    }
    if poverty is not None and poverty.status in ("poor", "near_poor"):
        row["poverty_status"] = poverty.status
        row["poverty_period"] = poverty.period
        row["poverty_review_year"] = poverty.review_year
        recorded.append(poverty.recorded_at)
        sources.add(poverty.source)
    for kind, fact in facts.items():
        if kind == SocialFact.Kind.MONTHLY_PENSION:
            row[kind] = fact.amount_vnd
        else:
            row[kind] = "" if fact.value is None else ("true" if fact.value else "false")
    row["verified_on"] = max(recorded).date().isoformat() if recorded else ""
    row["source"] = "; ".join(sorted(s for s in sources if s))
    return row
