"""Reads for benefits: the flat facts table built from the registry, and decisions.

`facts_select` is one SELECT over the registry tables (people, households, disabilities, poverty,
social facts, area statuses) that yields one row per living person with the columns of
policies/facts.yaml, for a given day. The batch run uses it as the source of the compiled
policy SQL; `person_facts` runs the same query for one person, so that the explanation of a
decision and the batch decision read the facts in exactly the same way.

Registry conventions kept here: a fact without a row is unknown (NULL), except disability (no
certified disability recorded means none), foster care (arranged and recorded by the commune)
and area statuses of a known commune or village; a
birth date known only to the month or year is not precise enough for age rules and is unknown.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from sqlglot import exp

from benefits.models import Case
from benefits.rules import POLICY_DIR, ir
from benefits.rules.evaluate import PolicyResult, Summary, evaluate_all, summarise
from benefits.rules.loader import load_directory
from benefits.rules.sqlgen import Dialect
from people.models import Disability, Person, PovertyStatus, SocialFact
from places.models import AreaStatus

KINH_CODE = "01"  # the Kinh majority in both GSO code lists


def dialect() -> Dialect:
    return "postgres" if connection.vendor == "postgresql" else "sqlite"


def _t(model: Any, alias: str) -> exp.Table:
    return exp.table_(model._meta.db_table, quoted=True, alias=exp.to_identifier(alias))


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _day(day: date, dialect_name: Dialect) -> exp.Expression:
    text = exp.Literal.string(day.isoformat())
    return text if dialect_name == "sqlite" else exp.cast(text, "date")


def _in_force(alias: str, day: exp.Expression) -> exp.Expression:
    ends = exp.or_(
        exp.Is(this=_c("valid_to", alias), expression=exp.Null()),
        exp.GTE(this=_c("valid_to", alias), expression=day.copy()),
    )
    return exp.and_(exp.LTE(this=_c("valid_from", alias), expression=day.copy()), exp.paren(ends))


def _flag(condition: exp.Expression) -> exp.Expression:
    return exp.Max(
        this=exp.Case(
            ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0)
        )
    )


def _is_one(value: exp.Expression) -> exp.Expression:
    """1 -> true, 0 -> false, NULL -> NULL, as a real boolean in every dialect."""
    return exp.paren(exp.EQ(this=value, expression=exp.Literal.number(1)))


def _living(alias: str, day: exp.Expression) -> exp.Expression:
    alive = exp.or_(
        exp.Is(this=_c("date_of_death", alias), expression=exp.Null()),
        exp.GT(this=_c("date_of_death", alias), expression=day.copy()),
    )
    return exp.and_(
        exp.Is(this=_c("merged_into_id", alias), expression=exp.Null()), exp.paren(alive)
    )


def facts_select(
    day: date,
    *,
    person_ids: Iterable[int] | None = None,
    dialect_name: Dialect | None = None,
    one_person: bool = False,
) -> exp.Select:
    """One row per living person (or the given ones) with every fact of the schema on `day`.

    With one_person, the person is a query parameter (a placeholder, possibly repeated).
    """
    d = dialect_name or dialect()
    on = _day(day, d)
    ids: list[exp.Expression] | None = None
    if one_person:
        ids = [exp.Placeholder()]
    elif person_ids is not None:
        ids = [exp.Literal.number(i) for i in person_ids]

    def only(select: exp.Select, column: exp.Expression) -> exp.Select:
        return (
            select
            if ids is None
            else select.where(exp.In(this=column, expressions=[i.copy() for i in ids]))
        )

    level = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=_c("level", "d"), expression=_s(value)),
                true=exp.Literal.number(rank),
            )
            for value, rank in (("especially_severe", 3), ("severe", 2), ("mild", 1))
        ]
    )
    serious = exp.In(this=_c("level", "d"), expressions=[_s("severe"), _s("especially_severe")])
    disability = only(
        exp.select(
            _c("person_id", "d"),
            exp.alias_(exp.Max(this=level), "rank", quoted=True),
            exp.alias_(
                exp.Min(this=exp.Case(ifs=[exp.If(this=serious, true=_c("certified_on", "d"))])),
                "certified_on",
                quoted=True,
            ),
            exp.alias_(exp.Min(this=_c("disability_type", "d")), "disability_type", quoted=True),
        )
        .from_(_t(Disability, "d"))
        .where(_in_force("d", on))
        .group_by(_c("person_id", "d")),
        _c("person_id", "d"),
    )
    ranked = (
        exp.select(
            _c("household_id", "pv"),
            _c("status", "pv"),
            exp.alias_(
                exp.Window(
                    this=exp.RowNumber(),
                    partition_by=[_c("household_id", "pv")],
                    order=exp.Order(
                        expressions=[exp.Ordered(this=_c("review_year", "pv"), desc=True)]
                    ),
                ),
                "rn",
                quoted=True,
            ),
        )
        .from_(_t(PovertyStatus, "pv"))
        .where(_in_force("pv", on))
    )
    if ids is not None:
        theirs = exp.select(_c("household_id", "o")).from_(_t(Person, "o"))
        theirs = theirs.where(exp.In(this=_c("id", "o"), expressions=[i.copy() for i in ids]))
        ranked = ranked.where(exp.In(this=_c("household_id", "pv"), query=theirs.subquery()))
    poverty = (
        exp.select(_c("household_id", "r"), _c("status", "r"))
        .from_(ranked.subquery("r"))
        .where(exp.EQ(this=_c("rn", "r"), expression=exp.Literal.number(1)))
    )
    kinds = {
        "monthly_pension_vnd": None,
        "has_hiv": "has_hiv",
        "child_without_care": "child_without_care",
        "is_studying": "is_studying",
        "has_supporter": "has_supporter",
        "is_pregnant": "is_pregnant",
        "taken_in_by_community": "taken_in_by_community",
        "in_foster_care": "in_foster_care",
    }
    fact_columns = []
    for kind in kinds:
        is_kind = exp.EQ(this=_c("kind", "sf"), expression=_s(kind))
        value = (
            _c("amount_vnd", "sf")
            if kind == "monthly_pension_vnd"
            else exp.cast(_c("value", "sf"), "integer")
        )
        fact_columns.append(
            exp.alias_(
                exp.Max(this=exp.Case(ifs=[exp.If(this=is_kind, true=value)])), kind, quoted=True
            )
        )
    social = only(
        exp.select(_c("person_id", "sf"), *fact_columns)
        .from_(_t(SocialFact, "sf"))
        .where(_in_force("sf", on))
        .group_by(_c("person_id", "sf")),
        _c("person_id", "sf"),
    )
    cutoffs = {n: _day(_years_before(day, n), d) for n in (3, 16, 22)}
    child_of_household = _child_rule("m", "st", cutoffs)
    studying = (
        exp.select(_c("person_id", "sf2"))
        .from_(_t(SocialFact, "sf2"))
        .where(
            exp.and_(
                exp.EQ(this=_c("kind", "sf2"), expression=_s("is_studying")),
                exp.EQ(this=_c("value", "sf2"), expression=exp.true()),
                _in_force("sf2", on),
            )
        )
        .group_by(_c("person_id", "sf2"))
    )
    members = (
        exp.select(
            _c("household_id", "m"),
            exp.alias_(exp.Count(this=exp.Star()), "size", quoted=True),
            exp.alias_(_count_if(child_of_household), "children", quoted=True),
            exp.alias_(_count_if(_under("m", cutoffs[3])), "infants", quoted=True),
        )
        .from_(_t(Person, "m"))
        .join(
            studying.subquery("st"),
            on=exp.EQ(this=_c("person_id", "st"), expression=_c("id", "m")),
            join_type="left",
        )
        .where(
            exp.and_(
                _living("m", on),
                exp.Not(this=exp.Is(this=_c("household_id", "m"), expression=exp.Null())),
            )
        )
    )
    if ids is not None:
        own = (
            exp.select(_c("household_id", "o"))
            .from_(_t(Person, "o"))
            .where(exp.In(this=_c("id", "o"), expressions=[i.copy() for i in ids]))
        )
        members = members.where(exp.In(this=_c("household_id", "m"), query=own.subquery()))
    members = members.group_by(_c("household_id", "m"))
    regions = [_s("region_1"), _s("region_2"), _s("region_3")]
    commune_area = (
        exp.select(
            _c("commune_id", "ca"),
            exp.alias_(
                _flag(exp.EQ(this=_c("status", "ca"), expression=_s("region_3"))),
                "region_3",
                quoted=True,
            ),
            exp.alias_(
                _flag(exp.In(this=_c("status", "ca"), expressions=regions)), "em_area", quoted=True
            ),
        )
        .from_(_t(AreaStatus, "ca"))
        .where(
            exp.and_(
                exp.Not(this=exp.Is(this=_c("commune_id", "ca"), expression=exp.Null())),
                _in_force("ca", on),
            )
        )
        .group_by(_c("commune_id", "ca"))
    )
    village_area = (
        exp.select(
            _c("village_id", "va"),
            exp.alias_(
                _flag(
                    exp.EQ(this=_c("status", "va"), expression=_s("especially_difficult_village"))
                ),
                "difficult",
                quoted=True,
            ),
            exp.alias_(
                _flag(exp.EQ(this=_c("status", "va"), expression=_s("em_area_village"))),
                "em_area",
                quoted=True,
            ),
        )
        .from_(_t(AreaStatus, "va"))
        .where(
            exp.and_(
                exp.Not(this=exp.Is(this=_c("village_id", "va"), expression=exp.Null())),
                _in_force("va", on),
            )
        )
        .group_by(_c("village_id", "va"))
    )

    def village_flag(column: str) -> exp.Expression:
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.Is(this=_c("village_id", "p"), expression=exp.Null()), true=exp.Null()
                )
            ],
            default=_is_one(
                exp.Coalesce(this=_c(column, "va"), expressions=[exp.Literal.number(0)])
            ),
        )

    birth = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=_c("birth_precision", "p"), expression=_s("day")),
                true=_c("date_of_birth", "p"),
            )
        ]
    )
    ethnic = exp.Case(
        ifs=[
            exp.If(this=exp.EQ(this=_c("ethnicity_code", "p"), expression=_s("")), true=exp.Null()),
            exp.If(
                this=exp.EQ(this=_c("ethnicity_code", "p"), expression=_s(KINH_CODE)),
                true=exp.false(),
            ),
        ],
        default=exp.true(),
    )
    disability_level = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=_c("rank", "d"), expression=exp.Literal.number(rank)),
                true=_s(value),
            )
            for value, rank in (("especially_severe", 3), ("severe", 2), ("mild", 1))
        ],
        default=_s("none"),
    )
    household_size = _c("size", "hs")
    # The person's own household counts, less the person when they count themselves.
    own_child = _child_rule("p", "sf", cutoffs, studying_column="is_studying")
    children = exp.Sub(
        this=_c("children", "hs"),
        expression=exp.Case(
            ifs=[exp.If(this=own_child, true=exp.Literal.number(1))], default=exp.Literal.number(0)
        ),
    )
    infants = exp.Sub(
        this=_c("infants", "hs"),
        expression=exp.Case(
            ifs=[exp.If(this=_under("p", cutoffs[3]), true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        ),
    )
    marital = exp.Case(
        ifs=[
            exp.If(this=exp.EQ(this=_c("marital_status", "p"), expression=_s("")), true=exp.Null())
        ],
        default=_c("marital_status", "p"),
    )
    paid_policies = [
        _s(policy.id)
        for policy in policy_set().policies
        if policy.exclusive_group == "monthly_cash"
    ]
    receiving = (
        exp.select(
            _c("person_id", "bc"), exp.alias_(exp.Literal.number(1), "receiving", quoted=True)
        )
        .from_(_t(Case, "bc"))
        .where(
            exp.and_(
                exp.EQ(this=_c("status", "bc"), expression=_s("approved")),
                exp.In(this=_c("policy_id", "bc"), expressions=paid_policies),
            )
        )
        .group_by(_c("person_id", "bc"))
    )
    receiving = only(receiving, _c("person_id", "bc"))
    select = (
        exp.select(
            exp.alias_(_c("id", "p"), "person_id", quoted=True),
            exp.alias_(_c("commune_id", "p"), "commune_id", quoted=True),
            exp.alias_(birth, "date_of_birth", quoted=True),
            exp.alias_(_c("sex", "p"), "sex", quoted=True),
            exp.alias_(disability_level, "disability_level", quoted=True),
            exp.alias_(
                exp.Coalesce(this=_c("disability_type", "d"), expressions=[_s("none")]),
                "disability_type",
                quoted=True,
            ),
            exp.alias_(_c("certified_on", "d"), "disability_certified_on", quoted=True),
            exp.alias_(_c("status", "pv"), "poverty_status", quoted=True),
            exp.alias_(_c("monthly_pension_vnd", "sf"), "monthly_pension_vnd", quoted=True),
            *(
                exp.alias_(_is_one(_c(k, "sf")), k, quoted=True)
                for k in kinds
                if k not in ("monthly_pension_vnd", "in_foster_care")
            ),
            # Foster care is arranged through the commune, which records it: none recorded
            # means none.
            exp.alias_(
                _is_one(
                    exp.Coalesce(
                        this=_c("in_foster_care", "sf"), expressions=[exp.Literal.number(0)]
                    )
                ),
                "in_foster_care",
                quoted=True,
            ),
            exp.alias_(ethnic, "ethnic_minority", quoted=True),
            exp.alias_(
                _is_one(
                    exp.Coalesce(this=_c("em_area", "ca"), expressions=[exp.Literal.number(0)])
                ),
                "em_area_commune",
                quoted=True,
            ),
            exp.alias_(
                _is_one(
                    exp.Coalesce(this=_c("region_3", "ca"), expressions=[exp.Literal.number(0)])
                ),
                "region_3_commune",
                quoted=True,
            ),
            exp.alias_(village_flag("difficult"), "especially_difficult_village", quoted=True),
            exp.alias_(village_flag("em_area"), "em_area_village", quoted=True),
            exp.alias_(household_size, "household_size", quoted=True),
            exp.alias_(
                exp.paren(exp.EQ(this=household_size.copy(), expression=exp.Literal.number(1))),
                "lives_alone",
                quoted=True,
            ),
            exp.alias_(marital, "marital_status", quoted=True),
            exp.alias_(children, "children_in_household", quoted=True),
            exp.alias_(infants, "children_under_3_in_household", quoted=True),
            exp.alias_(
                _is_one(
                    exp.Coalesce(this=_c("receiving", "rc"), expressions=[exp.Literal.number(0)])
                ),
                "receives_monthly_allowance",
                quoted=True,
            ),
        )
        .from_(_t(Person, "p"))
        .join(
            disability.subquery("d"),
            on=exp.EQ(this=_c("person_id", "d"), expression=_c("id", "p")),
            join_type="left",
        )
        .join(
            poverty.subquery("pv"),
            on=exp.EQ(this=_c("household_id", "pv"), expression=_c("household_id", "p")),
            join_type="left",
        )
        .join(
            social.subquery("sf"),
            on=exp.EQ(this=_c("person_id", "sf"), expression=_c("id", "p")),
            join_type="left",
        )
        .join(
            members.subquery("hs"),
            on=exp.EQ(this=_c("household_id", "hs"), expression=_c("household_id", "p")),
            join_type="left",
        )
        .join(
            commune_area.subquery("ca"),
            on=exp.EQ(this=_c("commune_id", "ca"), expression=_c("commune_id", "p")),
            join_type="left",
        )
        .join(
            village_area.subquery("va"),
            on=exp.EQ(this=_c("village_id", "va"), expression=_c("village_id", "p")),
            join_type="left",
        )
        .join(
            receiving.subquery("rc"),
            on=exp.EQ(this=_c("person_id", "rc"), expression=_c("id", "p")),
            join_type="left",
        )
        .where(_living("p", on))
    )
    return only(select, _c("id", "p"))


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February in a common year).

    Someone is under N on `day` exactly when born after this day: the age rule of the policies,
    where a 29 February birthday falls on 1 March in common years.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _under(alias: str, cutoff: exp.Expression) -> exp.Expression:
    """Born on a known day after the cutoff: under that age on the evaluation day."""
    return exp.and_(
        exp.EQ(this=_c("birth_precision", alias), expression=_s("day")),
        exp.GT(this=_c("date_of_birth", alias), expression=cutoff.copy()),
    )


def _child_rule(
    alias: str,
    studying_alias: str,
    cutoffs: dict[int, exp.Expression],
    studying_column: str = "person_id",
) -> exp.Expression:
    """Under 16, or 16 to under 22 and studying: a child a single parent is paid for."""
    studies = exp.Not(this=exp.Is(this=_c(studying_column, studying_alias), expression=exp.Null()))
    if studying_column != "person_id":
        studies = exp.EQ(this=_c(studying_column, studying_alias), expression=exp.Literal.number(1))
    older = exp.and_(_under(alias, cutoffs[22]), exp.paren(studies))
    return exp.paren(exp.or_(exp.paren(_under(alias, cutoffs[16])), exp.paren(older)))


def _count_if(condition: exp.Expression) -> exp.Expression:
    return exp.Sum(
        this=exp.Case(
            ifs=[exp.If(this=condition, true=exp.Literal.number(1))], default=exp.Literal.number(0)
        )
    )


def row_to_facts(
    schema: dict[str, ir.FactSpec], names: list[str], row: tuple[Any, ...]
) -> dict[str, Any]:
    """A database row -> fact values of the right Python types (SQLite gives text and 0/1)."""
    facts: dict[str, Any] = {}
    for name, value in zip(names, row, strict=True):
        spec = schema.get(name)
        if spec is None or value is None:
            facts[name] = value
        elif spec.type == "date" and isinstance(value, str):
            facts[name] = date.fromisoformat(value[:10])
        elif spec.type == "bool":
            facts[name] = bool(value)
        elif spec.type == "int":
            facts[name] = int(value)
        else:
            facts[name] = value
    return facts


@functools.lru_cache(maxsize=32)
def _one_person_sql(day: date, dialect_name: Dialect) -> tuple[str, int]:
    """The facts query of one person for a day, built once: (SQL, number of placeholders)."""
    select = facts_select(day, dialect_name=dialect_name, one_person=True)
    return select.sql(dialect=dialect_name), len(list(select.find_all(exp.Placeholder)))


def person_facts(
    schema: dict[str, ir.FactSpec], person_id: int, day: date
) -> dict[str, Any] | None:
    """The facts of one living person on `day` (None when the person is not living then)."""
    sql, placeholders = _one_person_sql(day, dialect())
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id] * placeholders)
        names = [col[0] for col in cursor.description]
        row = cursor.fetchone()
    if row is None:
        return None
    facts = row_to_facts(schema, names, row)
    facts.pop("person_id")
    facts.pop("commune_id")
    return facts


@functools.cache
def policy_set() -> ir.PolicySet:
    """The policies shipped in benefits/policies, loaded once per process."""
    return load_directory(POLICY_DIR)


def province_code() -> str:
    return str(settings.PROVINCE_CODE)


@dataclass(frozen=True)
class Explanation:
    person: Person
    day: date
    facts: dict[str, Any]
    results: list[PolicyResult]
    summary: Summary


def person_explanation(person: Person, day: date) -> Explanation | None:
    """Every policy in force on `day` for one person, condition by condition, from the registry."""
    policies = policy_set()
    facts = person_facts(policies.facts, person.pk, day)
    if facts is None:
        return None
    results = evaluate_all(policies, facts, day, province_code())
    return Explanation(person, day, facts, results, summarise(policies, results))


def screen(facts: dict[str, Any], day: date) -> tuple[list[PolicyResult], Summary]:
    """Every policy for facts someone typed in (the screener); nothing is read or stored.

    Raises PolicyError when a policy has no parameter value on the day (before July 2021).
    """
    policies = policy_set()
    known = {name: value for name, value in facts.items() if name in policies.facts}
    results = evaluate_all(policies, known, day, province_code())
    return results, summarise(policies, results)


def person_decisions(person: Person) -> list[Any]:
    """The latest decision of each policy for one person, newest policy first."""
    from django.db.models import Max

    from benefits.models import Decision

    latest = (
        Decision.objects.filter(person=person)
        .values("policy_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return list(Decision.objects.filter(id__in=latest).select_related("run").order_by("policy_id"))


def person_support(person: Person) -> tuple[list[Any], bool]:
    """What the last runs give one person, after precedence: the decisions that are paid (the
    highest of each exclusive group plus what stacks with it) and whether the state pays their
    health insurance. What a citizen sees on their own page."""
    policies = policy_set()
    known = {policy.id: policy for policy in policies.policies}
    decisions = [d for d in person_decisions(person) if d.policy_id in known]
    results = [
        PolicyResult(
            policy_id=d.policy_id,
            title_vi="",
            title_en="",
            kind=known[d.policy_id].kind,
            status=d.status,
            amount=d.monthly_amount,
            conditions=(),
            missing=(),
            parameters={},
            version=d.rule_version,
        )
        for d in decisions
    ]
    summary = summarise(policies, results)
    paid = [d for d in decisions if d.policy_id in summary.paid]
    paid.sort(key=lambda d: -(d.monthly_amount or 0))
    return paid, summary.health_insurance


def policy_title(policy_id: str, vietnamese: bool = True) -> str:
    try:
        policy = policy_set().get(policy_id)
    except KeyError:
        return policy_id
    return policy.title_vi if vietnamese else policy.title_en


def proposable_decisions(commune_codes: Iterable[int]) -> Any:
    """The current eligible decisions of monthly policies in these communes without an open
    case: the people a commune officer may propose."""
    from django.db.models import Exists, Max, OuterRef

    from benefits.models import OPEN_CASE_STATUSES, Decision

    monthly = [p.id for p in policy_set().policies if p.kind == "cash"]
    scoped = Decision.objects.filter(commune_id__in=list(commune_codes), policy_id__in=monthly)
    latest = scoped.values("person_id", "policy_id").annotate(last=Max("id")).values("last")
    open_case = Case.objects.filter(
        person_id=OuterRef("person_id"),
        policy_id=OuterRef("policy_id"),
        status__in=OPEN_CASE_STATUSES,
    )
    return (
        Decision.objects.filter(id__in=latest, status="eligible", monthly_amount__isnull=False)
        .exclude(Exists(open_case))
        .order_by("id")
    )


def case_counts(cases: Any) -> dict[str, int]:
    """How many cases per status, plus "needs_review", for a scoped queryset."""
    from django.db.models import Count

    counts = {row["status"]: row["n"] for row in cases.values("status").annotate(n=Count("id"))}
    counts["needs_review"] = cases.filter(needs_review=True).exclude(status="ended").count()
    return counts


def funeral_decision(person: Person) -> Any:
    """The person's last funeral-support decision from a run on or before their death (the
    runs after it only record that the entitlement ended), or None."""
    from benefits.models import Decision

    if person.date_of_death is None:
        return None
    return (
        Decision.objects.filter(
            person_id=person.pk, policy_id="funeral_support", run__day__lte=person.date_of_death
        )
        .order_by("-id")
        .first()
    )


def month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class PaymentRow:
    number: int
    full_name: str
    personal_id: str
    date_of_birth: date | None
    village: str
    policy_title: str
    amount: int
    # Who receives the money when it is not the person (foster carer, funeral arranger).
    payee_name: str = ""
    payee_personal_id: str = ""
    payee_relation: str = ""


@dataclass(frozen=True)
class PaymentSheet:
    """A payment list as it is printed: what every export format renders."""

    number: str
    status: str
    province: str
    commune: str
    month: date
    rows: list[PaymentRow]
    # "monthly" or "one_off" (PaymentListKind)
    # (policy title, number of people, amount)
    totals: list[tuple[str, int, int]]
    total: int
    kind: str = "monthly"


def payment_sheet(payment_list: Any) -> PaymentSheet:
    """The lines of a payment list with names and full ID numbers, in name order."""
    from benefits.models import PaymentLine

    lines = (
        PaymentLine.objects.filter(payment_list=payment_list)
        .select_related("case__person__village")
        .order_by("case__person__name_key", "case__person_id", "policy_id")
    )
    rows = []
    totals: dict[str, list[int]] = {}
    for index, line in enumerate(lines, start=1):
        person = line.case.person
        title = policy_title(line.policy_id)
        rows.append(
            PaymentRow(
                number=index,
                full_name=person.full_name,
                personal_id=person.personal_id or "",
                date_of_birth=person.date_of_birth,
                village=person.village.name if person.village else "",
                policy_title=title,
                amount=line.amount,
                payee_name=line.payee_name,
                payee_personal_id=line.payee_personal_id,
                payee_relation=line.payee_relation,
            )
        )
        entry = totals.setdefault(title, [0, 0])
        entry[0] += 1
        entry[1] += line.amount
    commune = payment_list.commune
    return PaymentSheet(
        number=payment_list.number,
        status=payment_list.status,
        province=commune.province.name if commune.province_id else "",
        commune=commune.name,
        month=payment_list.month,
        rows=rows,
        totals=[(title, n, amount) for title, (n, amount) in sorted(totals.items())],
        total=sum(row.amount for row in rows),
        kind=payment_list.kind,
    )
