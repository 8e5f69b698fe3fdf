"""Plan and generate a demo province as plain rows, deterministically from a seed.

Nothing here touches the database: `plan()` decides communes' sizes, villages and area status;
`Generator` turns the plan into household, person, disability and poverty rows with final ids,
handing them to a sink in batches. The same seed, province and size give the same rows: every
commune draws from its own random stream, so batch sizes and the database do not matter.

Ages are taken on REFERENCE_DATE rather than today, so that a seed gives the same rows in any
year. The figures aimed at (age pyramid, household sizes, disability by age, poverty) are
rounded from Vietnam's 2019 census, the 2016 disability survey and the provinces' 2025 poverty
reviews; they make believable data, not statistics.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from langso.demo.profiles import (
    ProvinceProfile,
    VillageNaming,
    urban_naming,
    village_naming,
)
from lib import ethnicity as ethnicity_lib
from lib.names import Weighted, style_for
from lib.personal_id import PROVINCE_PREFIXES
from lib.personal_id import generate as generate_personal_id
from lib.vn_text import name_key

REFERENCE_DATE = date(2026, 1, 1)
HOUSEHOLD_CODE_PREFIX = "DM-"
VILLAGE_CODE_PREFIX = "DM-"
DISABILITY_SOURCE = "demo"
POVERTY_SOURCE = "demo"
POVERTY_PERIOD = "2022-2025"
POVERTY_REVIEW_YEAR = 2025
POVERTY_VALID_FROM = "2026-01-01"

PERSON_COLUMNS = (
    "id", "personal_id", "legacy_id", "full_name", "name_key", "date_of_birth",
    "birth_precision", "sex", "ethnicity", "ethnicity_code", "ethnicity_code_list", "phone",
    "commune_id", "village_id", "household_id", "relation_to_head", "marital_status",
    "date_of_death",
)  # fmt: skip
HOUSEHOLD_COLUMNS = ("id", "code", "commune_id", "village_id", "address")
DISABILITY_COLUMNS = (
    "id", "person_id", "disability_type", "level", "certified_on", "valid_from", "source",
)  # fmt: skip
POVERTY_COLUMNS = (
    "id", "household_id", "status", "period", "review_year", "valid_from", "source",
)  # fmt: skip

# Head of household's age (18..100): few young heads, most between 30 and 65.
_HEAD_AGE_WEIGHTS = [
    *((a, 0.4 + (a - 18) * 0.4) for a in range(18, 25)),
    *((a, 3.0 + (a - 25) * 0.65) for a in range(25, 35)),
    *((a, 10.5) for a in range(35, 50)),
    *((a, 10.5 - (a - 50) * 0.1) for a in range(50, 58)),
    *((a, 9.7 - (a - 58) * 0.44) for a in range(58, 80)),
    *((a, max(0.1, 1.2 - (a - 80) * 0.07)) for a in range(80, 101)),
]
# Chance that a person has a certified disability, by age band (Law 51/2010 certificates).
_DISABILITY_BY_AGE = ((15, 0.014), (30, 0.024), (45, 0.04), (60, 0.07), (70, 0.14), (80, 0.22))
_DISABILITY_OLDEST = 0.34
_DISABILITY_TYPES = {
    age_group: Weighted(weights.items())
    for age_group, weights in {
        "child": {"intellectual": 30, "hearing_speech": 20, "mobility": 20, "mental": 8,
                  "visual": 7, "other": 15},
        "adult": {"mobility": 35, "visual": 15, "hearing_speech": 12, "mental": 12,
                  "intellectual": 10, "other": 16},
        "elderly": {"mobility": 40, "visual": 25, "hearing_speech": 20, "mental": 5,
                    "intellectual": 2, "other": 8},
    }.items()
}  # fmt: skip
_DISABILITY_LEVELS = {
    "young": Weighted((("mild", 45), ("severe", 38), ("especially_severe", 17))),
    "elderly": Weighted((("mild", 35), ("severe", 42), ("especially_severe", 23))),
}
# Mobile prefixes weighted roughly by carrier share (Viettel, VinaPhone, MobiFone, ...).
_MOBILE_PREFIXES = Weighted(
    (
        *((p, 5.0) for p in ("32", "33", "34", "35", "36", "37", "38", "39")),
        *((p, 4.0) for p in ("86", "96", "97", "98")),
        *((p, 3.0) for p in ("81", "82", "83", "84", "85", "88", "91", "94")),
        *((p, 2.5) for p in ("70", "76", "77", "78", "79", "90", "93")),
        ("56", 0.8), ("58", 0.8), ("92", 0.8), ("59", 0.4), ("87", 0.3),
    )
)  # fmt: skip
_DEATHS_FROM, _DEATHS_TO = date(2024, 1, 1), date(2025, 12, 31)
_CERTIFIED_FROM, _CERTIFIED_TO = date(2012, 1, 1), date(2025, 12, 31)
# How much more likely a household is to belong to its village's character group.
_VILLAGE_LEAN = 6.0
# Strides coprime with 10^6 (odd, not multiples of 5): offset + k * stride (mod 10^6) runs
# through every 6-digit serial once, so numbers never repeat and need not be remembered.
_SERIAL_STRIDES = (618_033, 381_967, 707_107, 141_421, 173_203, 223_607, 271_829, 314_159)


@dataclass(frozen=True)
class CommuneInfo:
    code: int
    name: str
    urban: bool


@dataclass
class VillagePlan:
    name: str
    kind: str
    local_code: str
    group: str  # the ethnic group that gives the village its character
    weight: float
    statuses: list[str] = field(default_factory=list)
    mix: dict[str, float] = field(default_factory=dict)  # households' groups


@dataclass
class CommunePlan:
    code: int
    name: str
    urban: bool
    people: int
    mix: dict[str, float]
    region: str  # "", "region_1", "region_2" or "region_3"
    villages: list[VillagePlan]


@dataclass
class Rows:
    """One batch of rows, in the column orders above."""

    households: list[tuple[object, ...]] = field(default_factory=list)
    people: list[tuple[object, ...]] = field(default_factory=list)
    disabilities: list[tuple[object, ...]] = field(default_factory=list)
    poverty: list[tuple[object, ...]] = field(default_factory=list)


@dataclass
class Summary:
    people: int = 0
    households: int = 0
    disabilities: int = 0
    poor: int = 0
    near_poor: int = 0
    deaths: int = 0
    year_only: int = 0
    with_phone: int = 0
    by_group: dict[str, int] = field(default_factory=dict)
    by_age_band: dict[str, int] = field(default_factory=dict)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(["langso-demo", str(seed), *map(str, parts)]))


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split a whole number by weights (largest remainder), so the parts add up exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    parts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _normalise(mix: dict[str, float], targets: dict[str, float]) -> dict[str, float]:
    """A commune's mix as shares, keeping only the groups the province aims at."""
    kept = {g: w for g, w in mix.items() if g in targets and w > 0}
    whole = sum(kept.values())
    return {g: w / whole for g, w in kept.items()}


def _village_names(
    rng: random.Random, naming: VillageNaming, taken: set[str]
) -> Callable[[], tuple[str, str]]:
    """A source of new village names for one naming style, never repeating a taken name."""

    def named() -> tuple[str, str]:
        for _ in range(60):
            if naming.names:
                base = rng.choice(naming.names)
            else:
                base = f"{rng.choice(naming.first)} {rng.choice(naming.second)}"
            name = f"{naming.prefix} {base}"
            if name_key(name) not in taken:
                break
        suffix = 2
        while name_key(name) in taken:  # a large commune ran out of names: number them
            name = f"{naming.prefix} {base} {suffix}"
            suffix += 1
        taken.add(name_key(name))
        return name, naming.kind

    return named


def plan(
    profile: ProvinceProfile,
    communes: Sequence[CommuneInfo],
    *,
    people: int,
    seed: int,
    taken_village_keys: dict[int, set[str]] | None = None,
) -> list[CommunePlan]:
    """Decide every commune's size, ethnic mix, villages and area status."""
    communes = sorted(communes, key=lambda c: c.code)
    rng = _rng(seed, profile.code, "plan")
    weights = [
        profile.commune_weight.get(c.code, 1.0) * (1.5 if c.urban else 1.0) * rng.uniform(0.6, 1.5)
        for c in communes
    ]
    sizes = allocate(people, weights)
    plans = []
    for commune, size in zip(communes, sizes, strict=True):
        mix = _normalise(
            profile.commune_mix.get(commune.code, profile.default_mix), profile.targets
        )
        crng = _rng(seed, profile.code, commune.code, "villages")
        taken = set((taken_village_keys or {}).get(commune.code, set()))
        region = profile.commune_region.get(commune.code, profile.default_region)
        groups = Weighted(mix.items())
        count = crng.randint(6, 12) if commune.urban else crng.randint(4, 12)
        base_naming = village_naming(profile, commune.code)
        numbered_naming = urban_naming(profile, commune.code) if commune.urban else base_naming
        numbered_all = not commune.urban and crng.random() < base_naming.numbered_share
        sources: dict[VillageNaming, Callable[[], tuple[str, str]]] = {}
        number = 0
        villages = []
        for index in range(count):
            group = groups.pick(crng)
            if numbered_all or (commune.urban and crng.random() < 0.75):
                number += 1
                name = f"{numbered_naming.numbered_prefix} {number}"
                while name_key(name) in taken:
                    number += 1
                    name = f"{numbered_naming.numbered_prefix} {number}"
                taken.add(name_key(name))
                kind = numbered_naming.numbered_kind
            else:
                # Wards name their few remaining hamlets the ward's way; rural communes by
                # who lives there (a Mông bản, a Khmer sóc).
                naming = (
                    base_naming if commune.urban else profile.group_naming.get(group, base_naming)
                )
                if naming not in sources:
                    sources[naming] = _village_names(crng, naming, taken)
                name, kind = sources[naming]()
            village = VillagePlan(
                name=name,
                kind=kind,
                local_code=f"{VILLAGE_CODE_PREFIX}{index + 1:02d}",
                group=group,
                weight=crng.uniform(0.5, 2.0),
            )
            difficult = {"region_3": 0.35, "region_2": 0.12}.get(region, 0.0)
            if group == "Mông":
                difficult = min(0.85, difficult * 2)
            if difficult and crng.random() < difficult:
                village.statuses.append("especially_difficult_village")
            villages.append(village)
        plans.append(
            CommunePlan(commune.code, commune.name, commune.urban, size, mix, region, villages)
        )
    _calibrate_villages(profile, plans)
    _mark_khmer_villages(profile, plans)
    return plans


def _mean_size(profile: ProvinceProfile, group: str) -> float:
    weights = profile.household_sizes.get(group) or profile.household_sizes["default"]
    return sum((i + 1) * w for i, w in enumerate(weights)) / sum(weights)


def _calibrate_villages(profile: ProvinceProfile, plans: list[CommunePlan]) -> None:
    """Give each village a mix leaning to its own group, then fit the province's targets.

    A village's households mostly share its character group, so the province-wide shares
    depend on which villages drew which group and on household sizes (Mông households are
    larger); rescaling every village's mix by one factor per group fixes the total.
    """
    villages: list[tuple[float, VillagePlan]] = []
    for plan in plans:
        total_w = sum(v.weight for v in plan.villages) or 1.0
        for village in plan.villages:
            mix = dict(plan.mix)
            mix[village.group] *= _VILLAGE_LEAN
            village.mix = mix
            villages.append((plan.people * village.weight / total_w, village))
    total = sum(people for people, _ in villages)
    if not total:
        return
    sizes = {g: _mean_size(profile, g) for g in profile.targets}
    for _ in range(40):
        expected = dict.fromkeys(profile.targets, 0.0)
        for people, village in villages:
            whole = sum(w * sizes[g] for g, w in village.mix.items())
            for group, weight in village.mix.items():
                expected[group] += people * weight * sizes[group] / whole
        factors = {
            g: profile.targets[g] / 100 * total / expected[g] if expected[g] else 1.0
            for g in profile.targets
        }
        for _, village in villages:
            village.mix = {g: w * factors[g] for g, w in village.mix.items()}
    for _, village in villages:
        whole = sum(village.mix.values())
        village.mix = {g: w / whole for g, w in village.mix.items()}


def _mark_khmer_villages(profile: ProvinceProfile, plans: list[CommunePlan]) -> None:
    """A handful of Khmer villages in Cà Mau are in the ethnic-minority area (2026-2030)."""
    if profile.code != 96:
        return
    khmer = [
        (plan.mix.get("Khơ me", 0.0), plan.code, village)
        for plan in plans
        for village in plan.villages
        if village.group == "Khơ me"
    ]
    khmer.sort(key=lambda item: (-item[0], item[1], item[2].local_code))
    for rank, (_, _, village) in enumerate(khmer[:9]):
        village.statuses.append(
            "especially_difficult_village" if rank % 3 == 0 else "em_area_village"
        )


def area_status_rows(plans: Iterable[CommunePlan]) -> list[tuple[int, str | None, str]]:
    """(commune code, village local code or None, status) for every status the plan sets."""
    rows: list[tuple[int, str | None, str]] = []
    for plan in plans:
        if plan.region:
            rows.append((plan.code, None, plan.region))
        for village in plan.villages:
            for status in village.statuses:
                rows.append((plan.code, village.local_code, status))
    return rows


def _valid_prefixes(weights: dict[str, float]) -> list[tuple[str, float]]:
    pairs = [(p, w) for p, w in weights.items() if p in PROVINCE_PREFIXES]
    return pairs or [("001", 1.0)]


def personal_id_prefixes(profile: ProvinceProfile) -> set[str]:
    """Every prefix the generator may give a personal ID number in this province."""
    tables = [profile.default_home_prefix, profile.elsewhere_prefix, *profile.home_prefix.values()]
    return {prefix for table in tables for prefix, _ in _valid_prefixes(table)}


class _Dates:
    """ISO strings for every day from 1900 to the reference date, indexed by ordinal."""

    def __init__(self) -> None:
        self.base = date(1900, 1, 1).toordinal()
        end = REFERENCE_DATE.toordinal()
        self.iso = [date.fromordinal(o).isoformat() for o in range(self.base, end + 1)]
        self.year_start = {y: date(y, 1, 1).toordinal() - self.base for y in range(1900, 2027)}

    def in_year(self, rng: random.Random, year: int) -> str:
        start = self.year_start[year]
        return self.iso[start + int(rng.random() * (self.year_start[year + 1] - start))]

    def between(self, rng: random.Random, first: date, last: date) -> str:
        a, b = first.toordinal() - self.base, last.toordinal() - self.base
        return self.iso[a + int(rng.random() * (b - a + 1))]


class Generator:
    """Households and people for a planned province, written through a sink in batches."""

    def __init__(
        self,
        profile: ProvinceProfile,
        plans: Sequence[CommunePlan],
        *,
        seed: int,
        village_ids: dict[tuple[int, str], int],
        first_ids: dict[str, int],
        taken_personal_ids: set[str] | None = None,
    ) -> None:
        self.profile = profile
        self.plans = plans
        self.seed = seed
        self.village_ids = village_ids
        self.next_id = dict(first_ids)
        self.taken_ids = taken_personal_ids or set()
        self.dates = _Dates()
        self.summary = Summary()
        self._head_age = Weighted((str(a), w) for a, w in _HEAD_AGE_WEIGHTS)
        self._sizes = {
            key: Weighted((str(i + 1), w) for i, w in enumerate(ws))
            for key, ws in profile.household_sizes.items()
        }
        self._home_prefix: dict[int, Weighted] = {}
        self._default_home = Weighted(_valid_prefixes(profile.default_home_prefix))
        self._elsewhere = Weighted(_valid_prefixes(profile.elsewhere_prefix))
        self._codes = {g: ethnicity_lib.by_name(g).code_2008 for g in profile.targets}
        self._styles = {g: style_for(g, region=profile.region) for g in profile.targets}
        self._keys: dict[str, str] = {}
        self._serials: dict[tuple[str, int, str], list[int]] = {}
        self._poverty_scale = self._poverty_calibration(plans)

    # -- calibration ------------------------------------------------------------------------

    def _poverty_factor(self, group: str, region: str, statuses: Iterable[str]) -> float:
        factors = self.profile.poverty_factor
        value = factors.get(group, 1.2 if group != "Kinh" else 1.0) * factors.get(region, 1.0)
        for status in statuses:
            value *= factors.get(status, 1.0)
        return value

    def _poverty_calibration(self, plans: Sequence[CommunePlan]) -> tuple[float, float]:
        """Scale the poverty factors so that the province's expected rates hit the targets."""
        poor = near = weight = 0.0
        for plan in plans:
            total_w = sum(v.weight for v in plan.villages) or 1.0
            for village in plan.villages:
                share = plan.people * village.weight / total_w
                for group, w in village.mix.items():
                    f = self._poverty_factor(group, plan.region, village.statuses)
                    poor += share * w * f
                    near += share * w * f**0.5
                weight += share
        if not weight:
            return 1.0, 1.0
        return (
            self.profile.poor_rate * weight / poor,
            self.profile.near_poor_rate * weight / near,
        )

    # -- helpers ------------------------------------------------------------------------------

    def _key(self, part: str) -> str:
        key = self._keys.get(part)
        if key is None:
            key = self._keys[part] = name_key(part)
        return key

    def _personal_id(self, rng: random.Random, prefix: str, year: int, sex: str) -> str:
        bucket = (prefix, year, sex)
        state = self._serials.get(bucket)
        if state is None:
            mixed = zlib.crc32(f"{self.seed}:{prefix}:{year}:{sex}".encode())
            state = self._serials[bucket] = [
                mixed % 1_000_000,
                _SERIAL_STRIDES[mixed % len(_SERIAL_STRIDES)],
                0,
            ]
        while True:
            offset, stride, count = state
            if count >= 1_000_000:
                raise OverflowError(f"no personal ID numbers left for {bucket}")
            state[2] = count + 1
            number = generate_personal_id(
                rng,
                prefix=prefix,
                birth_year=year,
                sex=sex,  # type: ignore[arg-type]
                serial=(offset + count * stride) % 1_000_000,
            )
            if number not in self.taken_ids:
                return number

    # -- generation ---------------------------------------------------------------------------

    def run(self, sink: Callable[[Rows], None], *, batch_people: int = 20_000) -> Summary:
        rows = Rows()  # filled in place by _commune, so it is emptied rather than replaced
        for plan in self.plans:
            for _ in self._commune(plan, rows):
                if len(rows.people) >= batch_people:
                    sink(Rows(rows.households, rows.people, rows.disabilities, rows.poverty))
                    rows.households, rows.people, rows.disabilities, rows.poverty = [], [], [], []
        if rows.people or rows.households:
            sink(rows)
        return self.summary

    def _commune(self, plan: CommunePlan, rows: Rows) -> Iterable[None]:
        """Generate one commune's households into rows, yielding after each household."""
        if not plan.people:
            return
        rng = _rng(self.seed, self.profile.code, plan.code, "people")
        villages = plan.villages
        pick_village = Weighted((str(i), v.weight) for i, v in enumerate(villages))
        village_groups = [Weighted(v.mix.items()) for v in villages]
        commune_groups = Weighted(plan.mix.items())
        home = self._home_prefix.get(plan.code)
        if home is None:
            weights = self.profile.home_prefix.get(plan.code)
            home = Weighted(_valid_prefixes(weights)) if weights else self._default_home
            self._home_prefix[plan.code] = home
        left = plan.people
        number = 0
        while left > 0:
            index = int(pick_village.pick(rng))
            village = villages[index]
            group = village_groups[index].pick(rng)
            sizes = self._sizes.get(group) or self._sizes["default"]
            size = min(int(sizes.pick(rng)), left)
            number += 1
            self._household(rng, plan, village, group, commune_groups, home, size, number, rows)
            left -= size
            yield None

    def _household(
        self,
        rng: random.Random,
        plan: CommunePlan,
        village: VillagePlan,
        group: str,
        commune_groups: Weighted,
        home: Weighted,
        size: int,
        number: int,
        rows: Rows,
    ) -> None:
        members = _compose(rng, size, int(self._head_age.pick(rng)))
        # Ethnicity: the household's group; a spouse or child-in-law now and then from another.
        for member in members:
            member.group = group
            if member.relation in ("spouse", "relative") and rng.random() < 0.05:
                member.group = commune_groups.pick(rng)
        self._name(rng, members)
        household_id = self.next_id["household"]
        self.next_id["household"] += 1
        village_id = self.village_ids[(plan.code, village.local_code)]
        address = f"Số {rng.randint(1, 250)}, {village.name}" if plan.urban else village.name
        rows.households.append(
            (
                household_id,
                f"{HOUSEHOLD_CODE_PREFIX}{plan.code:05d}-{number:06d}",
                plan.code,
                village_id,
                address,
            )
        )
        summary = self.summary
        summary.households += 1
        severe = False
        # Deaths first: a head whose spouse has died is a widow or widower on the same rows.
        for member in members:
            if member.relation != "head" and member.age >= 65:
                if rng.random() < (0.02 if member.age < 80 else 0.06):
                    member.died = self.dates.between(rng, _DEATHS_FROM, _DEATHS_TO)
                    summary.deaths += 1
                    if member.relation == "spouse":
                        members[0].marital = "widowed"
        for member in members:
            person_id = self.next_id["person"]
            self.next_id["person"] += 1
            age = member.age
            birth_year = REFERENCE_DATE.year - 1 - age
            minority = member.group not in ("Kinh", "Hoa")
            year_only = minority and (
                (age >= 60 and rng.random() < 0.35) or (45 <= age < 60 and rng.random() < 0.08)
            )
            if year_only:
                dob = f"{birth_year}-01-01"
                summary.year_only += 1
            else:
                dob = self.dates.in_year(rng, birth_year)
            born_away = rng.random() < (
                self.profile.born_elsewhere * (2 if member.group == "Kinh" else 1)
                if age >= 18 and member.relation != "child"
                else 0.01
            )
            prefix = (self._elsewhere if born_away else home).pick(rng)
            personal_id = self._personal_id(rng, prefix, birth_year, member.sex)
            legacy = f"{rng.randrange(10**8, 10**9)}" if age >= 30 and rng.random() < 0.12 else ""
            died = member.died
            phone = ""
            if not died and age >= 15:
                chance = 0.92 if 18 <= age < 60 else 0.35 if age < 18 else 0.6 if age < 75 else 0.25
                if member.group == "Mông":
                    chance *= 0.75
                if rng.random() < chance:
                    phone = f"+84{_MOBILE_PREFIXES.pick(rng)}{rng.randrange(10_000_000):07d}"
                    summary.with_phone += 1
            rows.people.append(
                (
                    person_id,
                    personal_id,
                    legacy,
                    member.full_name,
                    member.key,
                    dob,
                    "year" if year_only else "day",
                    member.sex,
                    member.group,
                    self._codes[member.group],
                    "2008",
                    phone,
                    plan.code,
                    village_id,
                    household_id,
                    member.relation,
                    member.marital,
                    died or None,
                )
            )
            summary.people += 1
            summary.by_group[member.group] = summary.by_group.get(member.group, 0) + 1
            band = _age_band(age)
            summary.by_age_band[band] = summary.by_age_band.get(band, 0) + 1
            disability_rate = _DISABILITY_OLDEST
            for limit, rate in _DISABILITY_BY_AGE:
                if age < limit:
                    disability_rate = rate
                    break
            # Certified after the first birthday (from 2012, Law 51/2010) and before any death.
            if age >= 1 and rng.random() < disability_rate:
                kind = "child" if age < 16 else "adult" if age < 60 else "elderly"
                level = _DISABILITY_LEVELS["elderly" if age >= 60 else "young"].pick(rng)
                severe = severe or level != "mild"
                first = max(_CERTIFIED_FROM, date(birth_year + 1, 1, 1))
                last = date.fromisoformat(died) if died else _CERTIFIED_TO
                certified = self.dates.between(rng, first, last)
                rows.disabilities.append(
                    (
                        self.next_id["disability"],
                        person_id,
                        _DISABILITY_TYPES[kind].pick(rng),
                        level,
                        certified,
                        certified,
                        DISABILITY_SOURCE,
                    )
                )
                self.next_id["disability"] += 1
                summary.disabilities += 1
        factor = self._poverty_factor(group, plan.region, village.statuses)
        if severe:
            factor *= 1.3
        poor_scale, near_scale = self._poverty_scale
        draw = rng.random()
        p_poor = min(0.9, poor_scale * factor)
        if draw < p_poor:
            status = "poor"
            summary.poor += 1
        elif draw < p_poor + min(0.5, near_scale * factor**0.5):
            status = "near_poor"
            summary.near_poor += 1
        else:
            status = "neither"
        rows.poverty.append(
            (
                self.next_id["poverty"],
                household_id,
                status,
                POVERTY_PERIOD,
                POVERTY_REVIEW_YEAR,
                POVERTY_VALID_FROM,
                POVERTY_SOURCE,
            )
        )
        self.next_id["poverty"] += 1

    def _name(self, rng: random.Random, members: list[_Member]) -> None:
        """Family names follow the father's line; spouses and in-laws keep their own."""
        styles = self._styles
        head = members[0]
        head_family = styles[head.group].family(rng)
        spouse = next((m for m in members if m.relation == "spouse"), None)
        spouse_family = styles[spouse.group].family(rng) if spouse else ""
        if head.sex == "male" or spouse is None or spouse.sex != "male":
            child_family = head_family
        else:
            child_family = spouse_family
        in_law = next((m for m in members if m.relation == "relative"), None)
        in_law_family = styles[in_law.group].family(rng) if in_law else ""
        adult_child = next((m for m in members if m.married_child), None)
        if adult_child is not None and adult_child.sex == "female" and in_law is not None:
            grandchild_family = in_law_family
        else:
            grandchild_family = child_family
        for member in members:
            relation = member.relation
            if relation == "head" or (relation == "parent" and member.sex == "male"):
                family = head_family
            elif relation == "sibling":
                family = head_family
            elif relation == "spouse":
                family = spouse_family
            elif relation == "child":
                family = child_family
            elif relation == "grandchild":
                family = grandchild_family
            elif relation == "relative":
                family = in_law_family
            else:
                family = styles[member.group].family(rng)
            given = styles[member.group].given(
                rng,
                member.sex,  # type: ignore[arg-type]
                young=member.age < 36,
            )
            member.full_name = f"{family} {given}"
            member.key = f"{self._key(family)} {self._key(given)}"


def _age_band(age: int) -> str:
    if age < 15:
        return "0-14"
    if age < 60:
        return "15-59"
    if age < 80:
        return "60-79"
    return "80+"


@dataclass(slots=True)
class _Member:
    age: int
    sex: str
    relation: str
    marital: str = ""
    married_child: bool = False
    died: str | None = None  # ISO date
    group: str = ""
    full_name: str = ""
    key: str = ""


def _other(sex: str) -> str:
    return "female" if sex == "male" else "male"


def _unmarried(rng: random.Random, age: int) -> str:
    if age < 16:
        return ""
    if age < 28:
        return "single"
    draw = rng.random()
    if age >= 55:
        return "widowed" if draw < 0.72 else "divorced" if draw < 0.84 else "single"
    return "single" if draw < 0.45 else "divorced" if draw < 0.75 else "widowed"


def _compose(rng: random.Random, size: int, head_age: int) -> list[_Member]:
    """The members of one household: ages, sexes, relations to the head and marital status."""
    if size == 1:
        sex = "female" if rng.random() < (0.6 if head_age >= 60 else 0.4) else "male"
        return [_Member(head_age, sex, "head", _unmarried(rng, head_age))]
    head_sex = "male" if rng.random() < 0.76 else "female"
    members = [_Member(head_age, head_sex, "head")]
    married = head_age >= 20 and rng.random() < (0.9 if head_age < 65 else 0.68)
    mother_age = head_age if head_sex == "female" else head_age - 3
    if married:
        gap = max(0, round(rng.gauss(3, 3)))
        spouse_age = head_age - gap if head_sex == "male" else head_age + gap
        spouse_age = min(100, max(20 if head_sex == "female" else 18, spouse_age))
        members[0].marital = "married"
        members.append(_Member(spouse_age, _other(head_sex), "spouse", "married"))
        mother_age = spouse_age if head_sex == "male" else head_age
    else:
        members[0].marital = _unmarried(rng, head_age)
    left = size - len(members)
    if left >= 1 and 25 <= head_age <= 62 and rng.random() < 0.1 + 0.05 * min(left, 4):
        parent_age = min(100, head_age + rng.randint(21, 35))
        parent_sex = "female" if rng.random() < 0.65 else "male"
        both = left >= 2 and rng.random() < 0.35
        members.append(_Member(parent_age, parent_sex, "parent", "married" if both else ""))
        if both:
            other_age = min(100, max(40, parent_age + rng.randint(-4, 4)))
            members.append(_Member(other_age, _other(parent_sex), "parent", "married"))
        else:
            members[-1].marital = "widowed" if rng.random() < 0.85 else "divorced"
        left = size - len(members)
    if left >= 3 and mother_age >= 45 and rng.random() < 0.55:
        # Three generations: a married son or daughter, their spouse and their children.
        child_age = max(18, mother_age - rng.randint(20, 30))
        child_sex = "male" if rng.random() < 0.7 else "female"
        child_age = max(child_age, 20 if child_sex == "male" else 18)
        child = _Member(child_age, child_sex, "child", "married", married_child=True)
        in_law_age = max(20 if child_sex == "female" else 18, child_age + rng.randint(-4, 4))
        members += [child, _Member(in_law_age, _other(child_sex), "relative", "married")]
        young_mother = child_age if child_sex == "female" else in_law_age
        for _ in range(rng.randint(1, size - len(members))):
            age = max(0, young_mother - rng.randint(19, 36))
            sex = "male" if rng.random() < 0.51 else "female"
            members.append(_Member(age, sex, "grandchild", _unmarried(rng, age)))
        left = size - len(members)
    for _ in range(left):
        sex = "male" if rng.random() < 0.51 else "female"
        if mother_age < 19:
            age = max(0, head_age + rng.randint(-6, 6))
            members.append(_Member(age, sex, "sibling", _unmarried(rng, age)))
            continue
        if mother_age < 19 + 2 * len(members) - 4 and rng.random() < 0.7:
            # A young mother rarely has many children yet: the place goes to a younger sibling.
            age = max(0, head_age - rng.randint(1, 8))
            members.append(_Member(age, sex, "sibling", _unmarried(rng, age)))
            continue
        latest = min(42, mother_age)
        age = mother_age - round(rng.triangular(19, latest, min(26, latest)))
        if age > 30 and rng.random() < 0.6:
            # Grown-up children mostly live on their own: keep fewer of them at home.
            age = mother_age - round(rng.triangular(19, latest, min(26, latest)))
        members.append(_Member(age, sex, "child", _unmarried(rng, age)))
    return members
