"""Writes of the benefits app: eligibility runs that append decisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlglot
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from sqlglot import exp

from accounts.models import User
from benefits import selectors
from benefits.models import Decision, EligibilityRun
from benefits.rules import POLICY_DIR, ir
from benefits.rules.loader import PolicyError, parameter_values
from benefits.rules.sqlgen import Dialect, condition_column, policy_select
from people.models import Person

FACTS_TABLE = "benefits_run_facts"


@dataclass(frozen=True)
class PolicyChange:
    policy_id: str
    written: int
    became_eligible: int
    lost_eligibility: int


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _conditions_json(policy: ir.Policy, dialect: Dialect, table: str) -> exp.Expression:
    """{condition_id: true|false|null} built in SQL, the same text for the same results."""
    args: list[exp.Expression] = []
    for cond in policy.conditions:
        value: exp.Expression = _c(condition_column(cond.id), table)
        if dialect == "sqlite":
            word = exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Is(this=value, expression=exp.Null()),
                        true=exp.Literal.string("null"),
                    ),
                    exp.If(this=value.copy(), true=exp.Literal.string("true")),
                ],
                default=exp.Literal.string("false"),
            )
            value = exp.Anonymous(this="JSON", expressions=[word])
        args += [exp.Literal.string(cond.id), value]
    name = "JSON_OBJECT" if dialect == "sqlite" else "JSONB_BUILD_OBJECT"
    return exp.Anonymous(this=name, expressions=args)


def _json_literal(value: Any, dialect: Dialect) -> exp.Expression:
    text = exp.Literal.string(json.dumps(value, sort_keys=True))
    return text if dialect == "sqlite" else exp.cast(text, "jsonb")


def _moment(moment: datetime, dialect: Dialect) -> exp.Expression:
    utc = moment.astimezone(UTC)
    if dialect == "sqlite":  # Django keeps naive UTC text in SQLite
        return exp.Literal.string(utc.replace(tzinfo=None).isoformat(sep=" "))
    return exp.cast(exp.Literal.string(utc.isoformat()), "timestamptz")


def _insert_changed(
    policy: ir.Policy,
    *,
    run: EligibilityRun,
    day: date,
    params: dict[str, int | float],
    dialect: Dialect,
) -> str:
    """INSERT ... SELECT the decisions of one policy that differ from the latest ones."""
    new = policy_select(
        policy,
        day=day,
        params=params,
        dialect=dialect,
        source=exp.table_(FACTS_TABLE, quoted=True),
        carry=("commune_id",),
    ).subquery("n")
    decisions = Decision._meta.db_table
    latest = (
        exp.select(_c("person_id"), exp.alias_(exp.Max(this=_c("id")), "id", quoted=True))
        .from_(exp.table_(decisions, quoted=True))
        .where(exp.EQ(this=_c("policy_id"), expression=exp.Literal.string(policy.id)))
        .group_by(_c("person_id"))
        .subquery("lt")
    )
    conditions = _conditions_json(policy, dialect, "n")
    minus_one = exp.Literal.number(-1)
    # No decision yet means never found eligible: a first "ineligible" is not written.
    first = exp.and_(
        exp.Is(this=_c("id", "l"), expression=exp.Null()),
        exp.NEQ(this=_c("status", "n"), expression=exp.Literal.string("ineligible")),
    )
    changed = exp.or_(
        exp.paren(first),
        exp.NEQ(this=_c("status", "l"), expression=_c("status", "n")),
        exp.NEQ(
            this=exp.Coalesce(this=_c("monthly_amount", "l"), expressions=[minus_one]),
            expression=exp.Coalesce(this=_c("amount", "n"), expressions=[minus_one.copy()]),
        ),
        exp.NEQ(this=_c("rule_version", "l"), expression=exp.Literal.string(policy.version)),
        exp.NEQ(this=_c("commune_id", "l"), expression=_c("commune_id", "n")),
        exp.NEQ(this=_c("conditions", "l"), expression=conditions.copy()),
    )
    select = (
        exp.select(
            exp.Literal.number(run.pk),
            _c("person_id", "n"),
            _c("commune_id", "n"),
            exp.Literal.string(policy.id),
            _c("status", "n"),
            exp.Coalesce(this=_c("status", "l"), expressions=[exp.Literal.string("")]),
            _c("amount", "n"),
            _day_literal(day.replace(day=1), dialect),
            conditions,
            exp.Literal.string(policy.version),
            _json_literal(params, dialect),
            _c("id", "l"),
            _moment(run.started_at, dialect),
        )
        .from_(new)
        .join(
            latest,
            on=exp.EQ(this=_c("person_id", "lt"), expression=_c("person_id", "n")),
            join_type="left",
        )
        .join(
            exp.table_(decisions, quoted=True, alias=exp.to_identifier("l")),
            on=exp.EQ(this=_c("id", "l"), expression=_c("id", "lt")),
            join_type="left",
        )
        .where(changed)
    )
    return exp.Insert(this=_decision_columns(), expression=select).sql(dialect=dialect)


def _insert_ended(
    policy: ir.Policy, *, run: EligibilityRun, day: date, in_force: bool, dialect: Dialect
) -> str:
    """INSERT ... SELECT an "ineligible" decision ending every current entitlement of a person
    who is no longer in the registry's living population (died, merged), or of everyone when
    the policy is no longer in force. No condition was evaluated: `conditions` is empty."""
    decisions = Decision._meta.db_table
    latest = (
        exp.select(_c("person_id"), exp.alias_(exp.Max(this=_c("id")), "id", quoted=True))
        .from_(exp.table_(decisions, quoted=True))
        .where(exp.EQ(this=_c("policy_id"), expression=exp.Literal.string(policy.id)))
        .group_by(_c("person_id"))
        .subquery("lt")
    )
    where = exp.NEQ(this=_c("status", "l"), expression=exp.Literal.string("ineligible"))
    if in_force:
        living = (
            exp.select(exp.Literal.number(1))
            .from_(exp.table_(FACTS_TABLE, quoted=True, alias=exp.to_identifier("f")))
            .where(exp.EQ(this=_c("person_id", "f"), expression=_c("person_id", "l")))
        )
        where = exp.and_(where, exp.not_(exp.Exists(this=living)))
    select = (
        exp.select(
            exp.Literal.number(run.pk),
            _c("person_id", "l"),
            _c("commune_id", "l"),
            exp.Literal.string(policy.id),
            exp.Literal.string("ineligible"),
            _c("status", "l"),
            exp.cast(exp.Null(), "bigint"),
            _day_literal(day.replace(day=1), dialect),
            _json_literal({}, dialect),
            exp.Literal.string(policy.version),
            _json_literal({}, dialect),
            _c("id", "l"),
            _moment(run.started_at, dialect),
        )
        .from_(latest)
        .join(
            exp.table_(decisions, quoted=True, alias=exp.to_identifier("l")),
            on=exp.EQ(this=_c("id", "l"), expression=_c("id", "lt")),
        )
        .where(where)
    )
    return exp.Insert(this=_decision_columns(), expression=select).sql(dialect=dialect)


def _decision_columns() -> exp.Schema:
    columns = [
        "run_id",
        "person_id",
        "commune_id",
        "policy_id",
        "status",
        "previous_status",
        "monthly_amount",
        "effective_from",
        "conditions",
        "rule_version",
        "parameters",
        "supersedes_id",
        "created_at",
    ]
    return exp.Schema(
        this=exp.table_(Decision._meta.db_table, quoted=True),
        expressions=[exp.to_identifier(c, quoted=True) for c in columns],
    )


def _day_literal(day: date, dialect: Dialect) -> exp.Expression:
    text = exp.Literal.string(day.isoformat())
    return text if dialect == "sqlite" else exp.cast(text, "date")


def eligibility_run_create(*, day: date, actor: User | None = None) -> EligibilityRun:
    """Evaluate every policy in force on `day` for everyone living in the registry.

    Set-based: the facts are built once into a temporary table, then one INSERT ... SELECT per
    policy appends a decision only where the outcome differs from the latest decision (status,
    amount, a condition, the rule version or the commune). Everything happens in one
    transaction, so a failed run leaves the previous decisions as they were. Decisions take
    effect from the first day of the month evaluated. A person and policy without any decision
    has never been found eligible (or in need of information): the first "ineligible" is not
    written, so that a province's run stores entitlements rather than millions of refusals.
    """
    policies = selectors.policy_set()
    province = selectors.province_code()
    dialect = selectors.dialect()
    in_force = [p for p in policies.policies if p.in_force_on(day)]
    if not in_force:
        raise PolicyError(str(POLICY_DIR), 0, f"no policy is in force on {day}")
    # Every parameter is looked up before anything is written: a gap refuses the whole run.
    params = {p.id: parameter_values(p, policies, day, province) for p in in_force}
    facts = selectors.facts_select(day, dialect_name=dialect)
    create = exp.Create(
        this=exp.table_(FACTS_TABLE, quoted=True),
        kind="TABLE",
        expression=facts,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    ).sql(dialect=dialect)
    index = sqlglot.parse_one(
        f'CREATE INDEX "{FACTS_TABLE}_person" ON "{FACTS_TABLE}" ("person_id")'
    ).sql(dialect=dialect)
    drop = exp.Drop(tables=[exp.table_(FACTS_TABLE, quoted=True)], kind="TABLE", exists=True).sql(
        dialect=dialect
    )
    with transaction.atomic():
        run = EligibilityRun.objects.create(
            day=day, province_code=province, actor=actor, started_at=timezone.now()
        )
        with connection.cursor() as cursor:
            cursor.execute(drop)
            cursor.execute(create)
            # Ending the entitlements of people no longer living looks each one up here.
            cursor.execute(index)
            for policy in in_force:
                cursor.execute(
                    _insert_changed(
                        policy, run=run, day=day, params=params[policy.id], dialect=dialect
                    )
                )
            for policy in policies.policies:
                cursor.execute(
                    _insert_ended(
                        policy, run=run, day=day, in_force=policy in in_force, dialect=dialect
                    )
                )
            cursor.execute(drop)
        counts = (
            Decision.objects.filter(run=run)
            .values("policy_id")
            .annotate(
                written=Count("id"),
                became=Count("id", filter=Q(status="eligible") & ~Q(previous_status="eligible")),
                lost=Count("id", filter=Q(previous_status="eligible") & ~Q(status="eligible")),
            )
        )
        summary = {
            row["policy_id"]: {
                "written": row["written"],
                "became_eligible": row["became"],
                "lost_eligibility": row["lost"],
            }
            for row in counts
        }
        living = Q(date_of_death__isnull=True) | Q(date_of_death__gt=day)
        EligibilityRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(),
            persons=Person.objects.filter(living, merged_into__isnull=True).count(),
            written=sum(v["written"] for v in summary.values()),
            summary=summary,
        )
        run.refresh_from_db()
    return run
