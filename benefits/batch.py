"""The SQL of an eligibility run: every policy for everyone in the registry, in the database.

benefits.services.eligibility_run_create calls `decisions_append` inside its transaction. The
work is set-based, in statements built with sqlglot for SQLite and PostgreSQL, and no row passes
through Python:

1. Results: one pass over the registry's facts (benefits.selectors.facts_select) into a
   temporary table with a row for each living person who is eligible or needs information for
   some policy, or holds a current decision: the facts, each policy's status (0 ineligible,
   1 eligible, 2 needs information) and a bit per policy in force for the current decisions the
   person holds (benefits_currentdecision, grouped by person). Ages are comparisons with a
   cut-off day (benefits.rules.sqlgen).
2. Changes: per policy, one statement scans the results for the people who are eligible or
   need information now, or hold a current decision of the policy, looks up that decision, and
   keeps the rows whose digest (status, amount, commune, rule version, every condition) differs
   in a second temporary table. Conditions, amounts and the digest are computed for those
   people only. One more statement ends the entitlements of people no longer living (died,
   merged) and of policies no longer in force. A person and policy without a decision who is
   ineligible leaves nothing.
3. Writes: the changes are appended to the decisions, inserted into the current decisions
   where the person held none of the policy and replace the current decision otherwise; the
   counts per policy come from the changes table.

Nothing is written to the decisions before step 3, and everything runs in the caller's
transaction, so a failed run leaves the previous decisions as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from django.db import connection
from django.db.models import Q
from sqlglot import exp

from benefits.models import CurrentDecision, Decision
from benefits.rules import ir
from benefits.rules.sqlgen import Dialect, PolicySQL, compile_policy
from benefits.selectors import facts_select
from people.models import Person

RESULTS_TABLE = "benefits_run_results"
CHANGES_TABLE = "benefits_run_changes"

# The status of each policy in the results table.
INELIGIBLE, ELIGIBLE, NEEDS_INFO = 0, 1, 2
STATUS_TEXT = {INELIGIBLE: "ineligible", ELIGIBLE: "eligible", NEEDS_INFO: "needs_info"}

CHANGE_COLUMNS = (
    "id",
    "person_id",
    "commune_id",
    "policy_id",
    "status",
    "previous_status",
    "monthly_amount",
    "conditions",
    "rule_version",
    "parameters",
    "supersedes_id",
    "digest",
)


@dataclass(frozen=True)
class Outcome:
    """What a run appended: persons evaluated and, per policy, the counts of the summary."""

    persons: int
    # {policy_id: {"written": n, "became_eligible": n, "lost_eligibility": n}}
    summary: dict[str, dict[str, int]]


def _c(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _t(name: str, alias: str | None = None) -> exp.Table:
    return exp.table_(name, quoted=True, alias=exp.to_identifier(alias) if alias else None)


def _s(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _n(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _eq(left: exp.Expression, right: exp.Expression) -> exp.EQ:
    return exp.EQ(this=left, expression=right)


def _all(*conditions: exp.Expression) -> exp.Expression:
    return cast(exp.Expression, exp.and_(*conditions))


def _concat(*parts: exp.Expression) -> exp.Expression:
    text = parts[0]
    for part in parts[1:]:
        text = exp.DPipe(this=text, expression=part)
    return text


def _text(value: exp.Expression) -> exp.Expression:
    return exp.cast(value, "text")


# Which current decisions a person holds: one bit per policy in force, 60 to a column.
HELD_BITS = 60


def _qualified(expression: exp.Expression, table: str) -> exp.Expression:
    """The expression with its bare column names read from `table`."""

    def qualify(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table:
            return _c(node.name, table)
        return node

    return expression.copy().transform(qualify)


@dataclass
class _Plan:
    """The policies in force over the results table."""

    dialect: Dialect
    # The decisions' id sequence on PostgreSQL, looked up once per run.
    sequence: str | None = None
    compiled: dict[str, PolicySQL] = field(default_factory=dict)
    statuses: list[exp.Expression] = field(default_factory=list)

    def add(self, policy: ir.Policy, sql: PolicySQL, status_column: str) -> None:
        self.compiled[policy.id] = sql
        status = sql.status(
            dict(sql.conditions), labels=(_n(ELIGIBLE), _n(INELIGIBLE), _n(NEEDS_INFO))
        )
        named = exp.alias_(_qualified(status, "f"), status_column, quoted=True)
        self.statuses.append(cast(exp.Expression, named))

    def condition(self, policy_id: str, condition_id: str, table: str) -> exp.Expression:
        return _qualified(dict(self.compiled[policy_id].conditions)[condition_id], table)

    def raw_amount(self, policy_id: str, table: str) -> exp.Expression:
        return _qualified(self.compiled[policy_id].raw_amount, table)


def _held_column(index: int) -> str:
    return f"h{index // HELD_BITS}"


def _held_bit(index: int) -> int:
    return 1 << (index % HELD_BITS)


def _status_column(index: int) -> str:
    return f"s{index}"


def _conditions_json(
    plan: _Plan, policy: ir.Policy, values: dict[str, exp.Expression]
) -> exp.Expression:
    """{condition_id: true|false|null} built in SQL, in the policy's order."""
    args: list[exp.Expression] = []
    for cond in policy.conditions:
        value = values[cond.id].copy()
        if plan.dialect == "sqlite":
            word = exp.Case(
                ifs=[
                    exp.If(this=exp.Is(this=value, expression=exp.Null()), true=_s("null")),
                    exp.If(this=value.copy(), true=_s("true")),
                ],
                default=_s("false"),
            )
            value = exp.Anonymous(this="JSON", expressions=[word])
        args += [_s(cond.id), value]
    name = "JSON_OBJECT" if plan.dialect == "sqlite" else "JSONB_BUILD_OBJECT"
    return exp.Anonymous(this=name, expressions=args)


def digest_sql(
    *,
    status: exp.Expression,
    amount: exp.Expression,
    commune: exp.Expression,
    version: str,
    codes: list[exp.Expression],
) -> exp.Expression:
    """status|amount|commune|rule version|one letter per condition (t, f, n) in id order.

    The migration that created the current decisions computes the same text in Python."""
    parts: list[exp.Expression] = [
        status,
        _s("|"),
        exp.Coalesce(this=_text(amount), expressions=[_s("")]),
        _s("|"),
        _text(commune),
        _s("|" + version + "|"),
    ]
    return _concat(*parts, *codes) if codes else _concat(*parts)


def _codes(policy: ir.Policy, values: dict[str, exp.Expression]) -> list[exp.Expression]:
    codes: list[exp.Expression] = []
    for cond in sorted(policy.conditions, key=lambda c: c.id):
        value = values[cond.id].copy()
        codes.append(
            exp.Case(
                ifs=[
                    exp.If(this=exp.Is(this=value, expression=exp.Null()), true=_s("n")),
                    exp.If(this=value.copy(), true=_s("t")),
                ],
                default=_s("f"),
            )
        )
    return codes


def _json_literal(value: Any, dialect: Dialect) -> exp.Expression:
    text = _s(json.dumps(value, sort_keys=True))
    return text if dialect == "sqlite" else exp.cast(text, "jsonb")


def _next_id(dialect: Dialect, sequence: str | None) -> exp.Expression:
    """A new decision id for each row: the decisions' own sequence on PostgreSQL; on SQLite the
    changes table's row number (`seq`) plus the largest id, set before the writes.

    The sequence is named by a constant: looking it up with pg_get_serial_sequence inside
    NEXTVAL repeated the catalogue lookup for every row (2 CPU seconds for 580,000 ids)."""
    if dialect == "sqlite":
        return exp.Null()
    if sequence is None:
        name: exp.Expression = exp.Anonymous(
            this="PG_GET_SERIAL_SEQUENCE",
            expressions=[_s(f'"{Decision._meta.db_table}"'), _s("id")],
        )
    else:
        name = _s(sequence)  # a constant the parser turns into the sequence's oid once
    return exp.Anonymous(this="NEXTVAL", expressions=[name])


def _insert_changes(select: exp.Select) -> exp.Insert:
    target = exp.Schema(
        this=_t(CHANGES_TABLE),
        expressions=[exp.to_identifier(c, quoted=True) for c in CHANGE_COLUMNS],
    )
    return exp.Insert(this=target, expression=select)


def _current(alias: str = "c") -> exp.Table:
    return _t(CurrentDecision._meta.db_table, alias)


def _changes(
    policy: ir.Policy,
    *,
    plan: _Plan,
    index: int,
    params: dict[str, int | float],
) -> list[str]:
    """INSERT ... SELECT into the changes table what differs for one living person and one
    policy in force: now eligible or needing information, or holding a decision, with another
    digest than the current decision's."""
    d = plan.dialect
    status_code = _c(_status_column(index), "r")
    # Eligible or needing information now, or holding a current decision of this policy.
    bit = exp.BitwiseAnd(this=_c(_held_column(index), "r"), expression=_n(_held_bit(index)))
    relevant = exp.paren(
        exp.or_(
            exp.NEQ(this=status_code.copy(), expression=_n(INELIGIBLE)),
            exp.NEQ(this=exp.paren(bit), expression=_n(0)),
        )
    )
    same_person = _eq(_c("person_id", "c"), _c("person_id", "r"))
    this_policy = _eq(_c("policy_id", "c"), _s(policy.id))
    amount = exp.Case(
        ifs=[
            exp.If(
                this=_eq(status_code.copy(), _n(ELIGIBLE)),
                true=exp.cast(plan.raw_amount(policy.id, "r"), "bigint"),
            )
        ],
        default=exp.cast(exp.Null(), "bigint"),
    )
    keys = {cond.id: f"k{n}" for n, cond in enumerate(policy.conditions)}
    # Each condition is evaluated once per person, in a subquery that OFFSET 0 keeps from being
    # merged into the outer query (which would evaluate it again for the JSON and the digest).
    # The scan tests two numbers per person; only the relevant people are looked up among this
    # policy's current decisions.
    inner = (
        exp.select(
            _c("person_id", "r"),
            _c("commune_id", "r"),
            exp.alias_(status_code.copy(), "s", quoted=True),
            exp.alias_(amount, "amount", quoted=True),
            exp.alias_(_c("status", "c"), "held_status", quoted=True),
            exp.alias_(_c("decision_id", "c"), "held_id", quoted=True),
            exp.alias_(_c("digest", "c"), "held_digest", quoted=True),
            *(
                exp.alias_(plan.condition(policy.id, cid, "r"), key, quoted=True)
                for cid, key in keys.items()
            ),
        )
        .from_(_t(RESULTS_TABLE, "r"))
        .join(_current(), on=exp.and_(this_policy, same_person), join_type="left")
        .where(relevant)
        .offset(0)
    )
    values: dict[str, exp.Expression] = {cid: _c(key, "q") for cid, key in keys.items()}
    status = exp.Case(
        ifs=[
            exp.If(this=_eq(_c("s", "q"), _n(code)), true=_s(text))
            for code, text in STATUS_TEXT.items()
            if code != INELIGIBLE
        ],
        default=_s("ineligible"),
    )
    digest = digest_sql(
        status=status,
        amount=_c("amount", "q"),
        commune=_c("commune_id", "q"),
        version=policy.version,
        codes=_codes(policy, values),
    )
    columns = [
        _next_id(d, plan.sequence),
        _c("person_id", "q"),
        _c("commune_id", "q"),
        _s(policy.id),
        status.copy(),
        exp.Coalesce(this=_c("held_status", "q"), expressions=[_s("")]),
        _c("amount", "q"),
        _conditions_json(plan, policy, values),
        _s(policy.version),
        _json_literal(params, d),
        _c("held_id", "q"),
        digest,
    ]
    differs = exp.or_(
        exp.Is(this=_c("held_digest", "q"), expression=exp.Null()),
        exp.NEQ(this=_c("held_digest", "q"), expression=digest.copy()),
    )
    select = exp.select(*columns).from_(inner.subquery("q")).where(differs)
    return [_insert_changes(select).sql(dialect=d)]


def _ended(
    policies: ir.PolicySet,
    in_force: list[ir.Policy],
    *,
    dialect: Dialect,
    sequence: str | None = None,
) -> str | None:
    """An "ineligible" decision ending every current entitlement of a person who is no longer
    in the registry's living population (died, merged), for a policy in force, and of everyone
    for a policy no longer in force. No condition was evaluated: `conditions` is empty."""
    known = {p.id: p for p in policies.policies}
    if not known:
        return None
    ended = [p for p in policies.policies if p not in in_force]
    living = (
        exp.select(_n(1))
        .from_(_t(RESULTS_TABLE, "r"))
        .where(_eq(_c("person_id", "r"), _c("person_id", "c")))
    )
    gone: exp.Expression = exp.not_(exp.Exists(this=living))
    if ended:
        either = exp.or_(
            exp.In(this=_c("policy_id", "c"), expressions=[_s(p.id) for p in ended]),
            exp.paren(gone),
        )
        gone = cast(exp.Expression, either)
    version = exp.Case(
        ifs=[
            exp.If(this=_eq(_c("policy_id", "c"), _s(p.id)), true=_s(p.version))
            for p in known.values()
        ]
    )
    digest = _concat(
        _s("ineligible||"),
        _text(_c("commune_id", "l")),
        _s("|"),
        version.copy(),
        _s("|"),
    )
    select = (
        exp.select(
            _next_id(dialect, sequence),
            _c("person_id", "c"),
            _c("commune_id", "l"),
            _c("policy_id", "c"),
            _s("ineligible"),
            _c("status", "c"),
            exp.cast(exp.Null(), "bigint"),
            _json_literal({}, dialect),
            version,
            _json_literal({}, dialect),
            _c("decision_id", "c"),
            digest,
        )
        .from_(_current())
        .join(_t(Decision._meta.db_table, "l"), on=_eq(_c("id", "l"), _c("decision_id", "c")))
        .where(
            exp.and_(
                exp.In(this=_c("policy_id", "c"), expressions=[_s(i) for i in known]),
                exp.NEQ(this=_c("status", "c"), expression=_s("ineligible")),
                exp.paren(gone),
            )
        )
    )
    return _insert_changes(select).sql(dialect=dialect)


def _results_sql(plan: _Plan, day: date, in_force: list[ir.Policy]) -> list[str]:
    """CREATE the results table from the registry's facts in one pass: the facts, each
    policy's status and the bits of the current decisions each person holds."""
    d = plan.dialect
    facts = facts_select(day, dialect_name=d)
    names = [e.alias_or_name for e in facts.expressions]
    chunks = range((len(in_force) + HELD_BITS - 1) // HELD_BITS)
    held = (
        exp.select(
            _c("person_id"),
            *(
                exp.alias_(
                    exp.Sum(
                        this=exp.Case(
                            ifs=[
                                exp.If(
                                    this=_eq(_c("policy_id"), _s(policy.id)),
                                    true=_n(_held_bit(index)),
                                )
                                for index, policy in enumerate(in_force)
                                if index // HELD_BITS == chunk
                            ],
                            default=_n(0),
                        )
                    ),
                    f"h{chunk}",
                    quoted=True,
                )
                for chunk in chunks
            ),
        )
        .from_(_t(CurrentDecision._meta.db_table))
        .where(exp.In(this=_c("policy_id"), expressions=[_s(p.id) for p in in_force]))
        .group_by(_c("person_id"))
    )
    head = ["person_id", "commune_id"]
    columns = [
        *(_c(name, "f") for name in head),
        *(
            exp.alias_(
                exp.Coalesce(this=_c(f"h{chunk}", "h"), expressions=[_n(0)]),
                f"h{chunk}",
                quoted=True,
            )
            for chunk in chunks
        ),
        *plan.statuses,
        *(_c(name, "f") for name in names if name not in head),
    ]
    # On PostgreSQL, OFFSET 0 keeps the facts a subquery of their own: merged into this query,
    # the facts a status reads were computed again for it (4.9 -> 4.5 s at a million people).
    # SQLite is a little slower with it.
    own = facts.offset(0) if d == "postgres" else facts
    every = (
        exp.select(*columns)
        .from_(own.subquery("f"))
        .join(
            held.subquery("h"),
            on=_eq(_c("person_id", "h"), _c("person_id", "f")),
            join_type="left",
        )
    )
    # Only the people the next steps look at: eligible or needing information for a policy, or
    # holding a current decision (most people are neither, and are never read again).
    kept = [
        *(exp.NEQ(this=_c(f"h{chunk}", "x"), expression=_n(0)) for chunk in chunks),
        *(
            exp.NEQ(this=_c(status.alias_or_name, "x"), expression=_n(INELIGIBLE))
            for status in plan.statuses
        ),
    ]
    select = (
        exp.select(*(_c(e.alias_or_name, "x") for e in columns))
        .from_(every.subquery("x"))
        .where(exp.or_(*kept))
    )
    if d == "sqlite":
        # person_id as the rowid: looking a person up is one B-tree probe, no extra index.
        definitions = [
            exp.ColumnDef(
                this=exp.to_identifier("person_id", quoted=True),
                kind=exp.DataType.build("integer"),
                constraints=[exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint())],
            ),
            *(
                exp.ColumnDef(this=exp.to_identifier(e.alias_or_name, quoted=True))
                for e in columns[1:]
            ),
        ]
        create = exp.Create(
            this=exp.Schema(this=_t(RESULTS_TABLE), expressions=definitions),
            kind="TABLE",
            properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
        )
        return [create.sql(dialect=d), exp.insert(select, _t(RESULTS_TABLE)).sql(dialect=d)]
    create = exp.Create(
        this=_t(RESULTS_TABLE),
        kind="TABLE",
        expression=select,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return [
        create.sql(dialect=d),
        f'ALTER TABLE "{RESULTS_TABLE}" ADD PRIMARY KEY ("person_id")',
        # Only the join key: the planner needs the row count and person ids, not every fact.
        f'ANALYZE "{RESULTS_TABLE}" ("person_id")',
    ]


def _changes_table_sql(dialect: Dialect) -> str:
    types = {
        "id": "integer" if dialect == "sqlite" else "bigint",
        "person_id": "bigint",
        "commune_id": "integer",
        "policy_id": "text",
        "status": "text",
        "previous_status": "text",
        "monthly_amount": "bigint",
        "conditions": "text" if dialect == "sqlite" else "jsonb",
        "rule_version": "text",
        "parameters": "text" if dialect == "sqlite" else "jsonb",
        "supersedes_id": "bigint",
        "digest": "text",
    }
    columns = []
    if dialect == "sqlite":
        # The row number, from which the decision id is made before the writes.
        columns.append(
            exp.ColumnDef(
                this=exp.to_identifier("seq", quoted=True),
                kind=exp.DataType.build("integer"),
                constraints=[exp.ColumnConstraint(kind=exp.PrimaryKeyColumnConstraint())],
            )
        )
    for name in CHANGE_COLUMNS:
        columns.append(
            exp.ColumnDef(
                this=exp.to_identifier(name, quoted=True),
                kind=exp.DataType.build(types[name], dialect=dialect),
            )
        )
    create = exp.Create(
        this=exp.Schema(this=_t(CHANGES_TABLE), expressions=columns),
        kind="TABLE",
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return create.sql(dialect=dialect)


def _moment(moment: datetime, dialect: Dialect) -> exp.Expression:
    utc = moment.astimezone(UTC)
    if dialect == "sqlite":  # Django keeps naive UTC text in SQLite
        return _s(utc.replace(tzinfo=None).isoformat(sep=" "))
    return exp.cast(_s(utc.isoformat()), "timestamptz")


def _day(day: date, dialect: Dialect) -> exp.Expression:
    return _s(day.isoformat()) if dialect == "sqlite" else exp.cast(_s(day.isoformat()), "date")


def _id_offset(dialect: Dialect) -> exp.Expression:
    """0 on PostgreSQL (ids come from the sequence); on SQLite the largest decision id ever
    given (AUTOINCREMENT remembers it in sqlite_sequence), read in the run's write transaction."""
    if dialect != "sqlite":
        return _n(0)
    largest = exp.select(exp.Max(this=_c("id"))).from_(_t(Decision._meta.db_table))
    remembered = (
        exp.select(_c("seq"))
        .from_(_t("sqlite_sequence"))
        .where(_eq(_c("name"), _s(Decision._meta.db_table)))
    )
    return exp.Anonymous(
        this="MAX",
        expressions=[
            exp.Coalesce(this=largest.subquery(), expressions=[_n(0)]),
            exp.Coalesce(this=remembered.subquery(), expressions=[_n(0)]),
        ],
    )


def _write_sql(
    *, run_id: int, day: date, started_at: datetime, dialect: Dialect, first_run: bool = False
) -> list[str]:
    """Append the changes to the decisions, then make them the current decisions.

    On a first run (no current decision) nothing is superseded: nothing to replace."""
    writes = []
    if dialect == "sqlite":
        number = exp.Add(this=_c("seq"), expression=_id_offset(dialect))
        writes.append(exp.update(_t(CHANGES_TABLE), {"id": number}).sql(dialect=dialect))
    decision_columns = [
        "id",
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
    select = (
        exp.select(
            _c("id"),
            _n(run_id),
            _c("person_id"),
            _c("commune_id"),
            _c("policy_id"),
            _c("status"),
            _c("previous_status"),
            _c("monthly_amount"),
            _day(day.replace(day=1), dialect),
            _c("conditions"),
            _c("rule_version"),
            _c("parameters"),
            _c("supersedes_id"),
            _moment(started_at, dialect),
        )
        # Read in the order written, which is the ids' order; no ORDER BY, whose sort of the
        # wide rows cost 0.2 s for 580,000 decisions (an id out of order would only cost the
        # primary key a less local insert).
        .from_(_t(CHANGES_TABLE))
    )
    insert = exp.Insert(
        this=exp.Schema(
            this=_t(Decision._meta.db_table),
            expressions=[exp.to_identifier(c, quoted=True) for c in decision_columns],
        ),
        expression=select,
    )
    # A change without a superseded decision has no current decision yet (the run holds the
    # current decisions locked): a plain insert, cheaper than an upsert's speculative one.
    current_columns = ["policy_id", "person_id", "decision_id", "status", "digest"]
    first = exp.Insert(
        this=exp.Schema(
            this=_t(CurrentDecision._meta.db_table),
            expressions=[exp.to_identifier(c, quoted=True) for c in current_columns],
        ),
        expression=exp.select(
            _c("policy_id"), _c("person_id"), _c("id"), _c("status"), _c("digest")
        )
        .from_(_t(CHANGES_TABLE))
        .where(exp.Is(this=_c("supersedes_id"), expression=exp.Null())),
    )
    # The others replace the current decision they supersede.
    superseded = exp.Not(this=exp.Is(this=_c("supersedes_id", "k"), expression=exp.Null()))
    replace = exp.update(
        _t(CurrentDecision._meta.db_table),
        {
            "decision_id": _c("id", "k"),
            "status": _c("status", "k"),
            "digest": _c("digest", "k"),
        },
        from_=exp.From(this=_t(CHANGES_TABLE, "k")),
        where=exp.and_(
            _eq(_c("policy_id", CurrentDecision._meta.db_table), _c("policy_id", "k")),
            _eq(_c("person_id", CurrentDecision._meta.db_table), _c("person_id", "k")),
            superseded,
        ),
    )
    return [
        *writes,
        insert.sql(dialect=dialect),
        first.sql(dialect=dialect),
        *([] if first_run else [replace.sql(dialect=dialect)]),
    ]


def _summary_sql(dialect: Dialect) -> str:
    def count_if(condition: exp.Expression, name: str) -> exp.Expression:
        counted = exp.alias_(
            exp.Sum(this=exp.Case(ifs=[exp.If(this=condition, true=_n(1))], default=_n(0))),
            name,
            quoted=True,
        )
        return cast(exp.Expression, counted)

    eligible = _eq(_c("status"), _s("eligible"))
    was_eligible = _eq(_c("previous_status"), _s("eligible"))
    select = (
        exp.select(
            _c("policy_id"),
            exp.alias_(exp.Count(this=exp.Star()), "written", quoted=True),
            count_if(_all(eligible, exp.not_(was_eligible.copy())), "became"),
            count_if(_all(was_eligible, exp.not_(eligible.copy())), "lost"),
        )
        .from_(_t(CHANGES_TABLE))
        .group_by(_c("policy_id"))
        .order_by(_c("policy_id"))
    )
    return select.sql(dialect=dialect)


def _drop(name: str, dialect: Dialect) -> str:
    return exp.Drop(tables=[_t(name)], kind="TABLE", exists=True).sql(dialect=dialect)


def statements(
    *,
    policies: ir.PolicySet,
    in_force: list[ir.Policy],
    params: dict[str, dict[str, int | float]],
    day: date,
    dialect: Dialect,
    sequence: str | None = None,
) -> tuple[list[str], list[str]]:
    """The SQL of a run, before the writes: (build the results, find the changes).

    `sequence` names the decisions' id sequence on PostgreSQL (looked up per row without it)."""
    plan = _Plan(dialect, sequence)
    for index, policy in enumerate(in_force):
        sql = compile_policy(policy, day=day, params=params[policy.id], dialect=dialect)
        plan.add(policy, sql, _status_column(index))
    build = [
        _drop(RESULTS_TABLE, dialect),
        _drop(CHANGES_TABLE, dialect),
        *_results_sql(plan, day, in_force),
        _changes_table_sql(dialect),
    ]
    find: list[str] = []
    for index, policy in enumerate(in_force):
        find += _changes(policy, plan=plan, index=index, params=params[policy.id])
    ended = _ended(policies, in_force, dialect=dialect, sequence=sequence)
    return build, [*find, *([ended] if ended else [])]


def _indexes_dropped(cursor: Any) -> list[str]:
    """On a province's first run (no decision stored yet), drop the decisions' secondary
    indexes and the current decisions' primary key, and return the statements that build them
    again after the writes.

    Building an index over the written rows costs less than updating it for every row (at a
    million people, 2.3 of the decisions' 3.6 CPU seconds). DROP INDEX locks the decisions (and
    dropping the key the current decisions) until the run commits, but there is nothing yet to
    read, only runs read the current decisions, and the run holds them locked, so no other run
    can write meanwhile. DDL is transactional on PostgreSQL: a failed run rolls the drop back
    with everything else. The decisions' primary key stays."""
    if Decision.objects.exists() or CurrentDecision.objects.exists():
        return []
    decisions = f'"{Decision._meta.db_table}"'
    current = f'"{CurrentDecision._meta.db_table}"'
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        " ORDER BY i.relname",
        [decisions],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'p'",
        [current],
    )
    keys = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    for name, _definition in keys:
        cursor.execute(f'ALTER TABLE {current} DROP CONSTRAINT "{name}"')
    return [
        *(definition for _name, definition in indexes),
        *(f'ALTER TABLE {current} ADD CONSTRAINT "{name}" {rule}' for name, rule in keys),
    ]


def decisions_append(
    *,
    run_id: int,
    started_at: datetime,
    policies: ir.PolicySet,
    in_force: list[ir.Policy],
    params: dict[str, dict[str, int | float]],
    day: date,
    dialect: Dialect,
) -> Outcome:
    """Evaluate, compare and append in the current transaction; returns the run's counts."""
    with connection.cursor() as cursor:
        sequence = None
        if dialect == "postgres":
            # One run at a time; readers of the current decisions are not held up.
            cursor.execute(
                f'LOCK TABLE "{CurrentDecision._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE'
            )
            # Compiling these wide expressions to machine code took longer (8 s for a million
            # people) than evaluating them; the setting ends with the transaction.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')", [f'"{Decision._meta.db_table}"']
            )
            sequence = cursor.fetchone()[0]
        build, find = statements(
            policies=policies,
            in_force=in_force,
            params=params,
            day=day,
            dialect=dialect,
            sequence=sequence,
        )
        for sql in build:
            cursor.execute(sql)
        for sql in find:
            cursor.execute(sql)
        rebuild = _indexes_dropped(cursor) if dialect == "postgres" else []
        write = _write_sql(
            run_id=run_id,
            day=day,
            started_at=started_at,
            dialect=dialect,
            first_run=bool(rebuild),
        )
        for sql in write:
            cursor.execute(sql)
        for sql in rebuild:
            cursor.execute(sql)
        cursor.execute(_summary_sql(dialect))
        summary = {
            policy_id: {
                "written": int(written),
                "became_eligible": int(became or 0),
                "lost_eligibility": int(lost or 0),
            }
            for policy_id, written, became, lost in cursor.fetchall()
        }
        cursor.execute(_drop(RESULTS_TABLE, dialect))
        cursor.execute(_drop(CHANGES_TABLE, dialect))
    living = Q(date_of_death__isnull=True) | Q(date_of_death__gt=day)
    persons = Person.objects.filter(living, merged_into__isnull=True).count()
    return Outcome(persons=persons, summary=summary)
