"""The SQL back-end: one SELECT per policy over a flat facts table, built with sqlglot.

Values never enter the SQL as text: every constant becomes a sqlglot literal node, and the
evaluation day and parameter values are bound when the query is built (they are known). The
output has one row per key with a boolean column per condition (NULL = unknown), `status` and
`amount`. Dates are ISO text in SQLite and DATE elsewhere (PostgreSQL, DuckDB, Spark SQL); the
date helpers are written once here for each dialect. A node or function this module does not
know is refused with `UnsupportedExpression` rather than guessed at (fail closed).

An age or a number of months on a known day compared with a known number (`age_on(date) >= 60`)
becomes a comparison of the date itself with the cut-off day (`date_of_birth <= 1966-11-01`):
the same truth on every input, NULL included, without date arithmetic on every row. The batch
run (benefits.batch) uses the pieces separately: `PolicySQL` gives each condition, the amount
and the status as expressions, so that it can evaluate every policy in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from sqlglot import exp

from benefits.rules import ir
from benefits.rules.evaluate import end_of_month, months_between, years_between

Dialect = Literal["sqlite", "postgres", "duckdb", "spark"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres", "duckdb", "spark")


class UnsupportedExpression(ValueError):
    """A node of the IR that the SQL back-end cannot translate exactly."""


def condition_column(condition_id: str) -> str:
    return f"c_{condition_id}"


# `N < f(x)` is `f(x) > N`.
_Op = Literal["==", "!=", "<", "<=", ">", ">="]
_FLIP: dict[_Op, _Op] = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def years_before(day: date, years: int) -> date:
    """The latest birth day of someone aged at least `years` on `day` (years_between's rule: a
    29 February birthday counts on 1 March in common years, so 29/02 becomes 28/02)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_before(day: date, months: int) -> date:
    """The latest start day at least `months` whole months before `day` (months_between's rule),
    the day of the month cut to the length of the earlier month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, _month_length(year, month + 1)))


def _month_length(year: int, month: int) -> int:
    return end_of_month(date(year, month, 1)).day


class _Compiler:
    def __init__(self, day: date, params: dict[str, int | float], dialect: Dialect) -> None:
        self.day = day
        self.params = params
        self.dialect = dialect

    def literal(self, value: date | int | float | bool | str) -> exp.Expression:
        if isinstance(value, bool):
            return exp.true() if value else exp.false()
        if isinstance(value, (int, float)):
            return exp.Literal.number(value)
        if isinstance(value, date):
            text = exp.Literal.string(value.isoformat())
            return text if self.dialect == "sqlite" else exp.cast(text, "date")
        return exp.Literal.string(value)

    def constant_date(self, expr: ir.Expr) -> date | None:
        """The day an expression stands for, when it is known before the query runs."""
        if isinstance(expr, ir.EvalDate):
            return self.day
        if isinstance(expr, ir.Const) and isinstance(expr.value, date):
            return expr.value
        if isinstance(expr, ir.Call) and expr.name == "end_of_month":
            inner = self.constant_date(expr.args[0])
            return None if inner is None else end_of_month(inner)
        return None

    def date_part(self, expr: ir.Expr, part: str) -> exp.Expression:
        known = self.constant_date(expr)
        if known is not None:
            return exp.Literal.number(getattr(known, part))
        column = self.sql(expr)
        if self.dialect == "sqlite":
            start, length = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}[part]
            text = exp.Substring(
                this=column,
                start=exp.Literal.number(start),
                length=exp.Literal.number(length),
            )
            return exp.cast(text, "integer")
        node = {"year": exp.Year, "month": exp.Month, "day": exp.Day}[part](this=column)
        return exp.cast(node, "integer")

    def call(self, expr: ir.Call) -> exp.Expression:
        if expr.name == "is_missing":
            return exp.Is(this=self.sql(expr.args[0]), expression=exp.Null())
        if expr.name == "end_of_month":
            known = self.constant_date(expr)
            if known is None:  # the loader allows only known days here
                raise UnsupportedExpression("end_of_month() of a day not known in advance")
            return self.literal(known)
        if expr.name not in ("years_between", "months_between") or len(expr.args) != 2:
            raise UnsupportedExpression(f"function {expr.name!r} has no SQL translation")
        start, end = expr.args
        known_start, known_end = self.constant_date(start), self.constant_date(end)
        if known_start is not None and known_end is not None:
            between = years_between if expr.name == "years_between" else months_between
            return exp.Literal.number(between(known_start, known_end))
        y0, m0, d0 = (self.date_part(start, p) for p in ("year", "month", "day"))
        y1, m1, d1 = (self.date_part(end, p) for p in ("year", "month", "day"))
        if expr.name == "years_between":
            earlier = exp.LT(
                this=exp.paren(m1 * 100 + d1, copy=False), expression=exp.paren(m0 * 100 + d0)
            )
            span = exp.paren(y1 - y0, copy=False)
        else:
            earlier = exp.LT(this=d1, expression=d0)
            span = exp.paren(exp.paren(y1 * 12 + m1) - exp.paren(y0 * 12 + m0), copy=False)
        borrow = exp.Case(
            ifs=[exp.If(this=earlier, true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        return exp.paren(span - borrow, copy=False)

    def cutoff(self, expr: ir.Compare) -> exp.Expression | None:
        """`years_between(x, D) >= N` (or months, any comparison) with D and N known, as a
        comparison of x with a day; None when the comparison is not of that shape.

        Both functions only fall as x moves later, and `before(D, k)` is the last x at which
        the count is still k or more; so `count >= k` is `x <= before(D, k)` and `count < k`
        is `x > before(D, k)`, and the other operators follow.
        """
        left, right, op = expr.left, expr.right, expr.op
        if isinstance(left, ir.Const) and isinstance(right, ir.Call):
            left, right, op = right, left, _FLIP[op]
        if not (
            isinstance(left, ir.Call)
            and left.name in ("years_between", "months_between")
            and isinstance(right, ir.Const)
            and type(right.value) is int
        ):
            return None
        start, end = left.args
        day = self.constant_date(end)
        if day is None or self.constant_date(start) is not None:
            return None
        before = years_before if left.name == "years_between" else months_before
        value = self.sql(start)
        bound = right.value

        def at_least(count: int) -> exp.Expression:
            return exp.LTE(this=value.copy(), expression=self.literal(before(day, count)))

        def fewer_than(count: int) -> exp.Expression:
            return exp.GT(this=value.copy(), expression=self.literal(before(day, count)))

        try:
            if op == ">=":
                return at_least(bound)
            if op == ">":
                return at_least(bound + 1)
            if op == "<":
                return fewer_than(bound)
            if op == "<=":
                return fewer_than(bound + 1)
            if op == "==":
                return exp.paren(exp.and_(at_least(bound), fewer_than(bound + 1)))
            return exp.paren(exp.or_(fewer_than(bound), at_least(bound + 1)))
        except (ValueError, OverflowError):  # a day outside the calendar: compute per row
            return None

    def sql(self, expr: ir.Expr) -> exp.Expression:  # noqa: C901 - one branch per node type
        if isinstance(expr, ir.Const):
            return self.literal(expr.value)
        if isinstance(expr, ir.FactRef):
            return exp.column(expr.name, quoted=True)
        if isinstance(expr, ir.ParamRef):
            return exp.Literal.number(self.params[expr.name])
        if isinstance(expr, ir.EvalDate):
            return self.literal(self.day)
        if isinstance(expr, ir.And):
            return cast(exp.Expression, exp.and_(*(exp.paren(self.sql(i)) for i in expr.items)))
        if isinstance(expr, ir.Or):
            return exp.paren(exp.or_(*(exp.paren(self.sql(i)) for i in expr.items)))
        if isinstance(expr, ir.Not):
            return exp.not_(exp.paren(self.sql(expr.item)))
        if isinstance(expr, ir.Compare):
            folded = self.cutoff(expr)
            if folded is not None:
                return folded
            node = {
                "==": exp.EQ,
                "!=": exp.NEQ,
                "<": exp.LT,
                "<=": exp.LTE,
                ">": exp.GT,
                ">=": exp.GTE,
            }[expr.op]
            return cast(
                exp.Expression, node(this=self.sql(expr.left), expression=self.sql(expr.right))
            )
        if isinstance(expr, ir.In):
            node_in = exp.In(
                this=self.sql(expr.item), expressions=[self.literal(c.value) for c in expr.choices]
            )
            return exp.not_(exp.paren(node_in)) if expr.negated else node_in
        if isinstance(expr, ir.Arith):
            cls = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[expr.op]
            return exp.paren(cls(this=self.sql(expr.left), expression=self.sql(expr.right)))
        if isinstance(expr, ir.Call):
            return self.call(expr)
        raise UnsupportedExpression(f"expression {expr!r} has no SQL translation")


def _any(items: Sequence[exp.Expression]) -> exp.Expression:
    return exp.paren(exp.or_(*items)) if items else exp.false()


@dataclass(frozen=True)
class PolicySQL:
    """One policy on one day as SQL expressions over the facts columns."""

    policy: ir.Policy
    # (condition id, boolean expression), in the policy's order.
    conditions: tuple[tuple[str, exp.Expression], ...]
    # The amount before the status is known (NULL for a policy that pays nothing).
    raw_amount: exp.Expression

    def status(
        self,
        values: Mapping[str, exp.Expression],
        labels: tuple[exp.Expression, exp.Expression, exp.Expression] | None = None,
    ) -> exp.Expression:
        """'eligible' / 'ineligible' / 'needs_info' from each condition's value (by id), or
        the three `labels` given in that order."""
        eligible, ineligible, needs_info = labels or (
            exp.Literal.string("eligible"),
            exp.Literal.string("ineligible"),
            exp.Literal.string("needs_info"),
        )
        conditions = self.policy.conditions
        unknown_asks = [
            exp.Is(this=values[c.id].copy(), expression=exp.Null())
            for c in conditions
            if c.on_missing == "needs_info"
        ]
        if self.policy.match == "all":
            # A `fail` condition counts an unknown as false, a `needs_info` one as not (yet) false.
            refused = [
                exp.not_(
                    exp.Coalesce(
                        this=values[c.id].copy(),
                        expressions=[exp.false() if c.on_missing == "fail" else exp.true()],
                    )
                )
                for c in conditions
            ]
            return exp.Case(
                ifs=[
                    exp.If(this=_any(refused), true=ineligible.copy()),
                    exp.If(this=_any(unknown_asks), true=needs_info.copy()),
                ],
                default=eligible.copy(),
            )
        held = [
            exp.Coalesce(this=values[c.id].copy(), expressions=[exp.false()]) for c in conditions
        ]
        return exp.Case(
            ifs=[
                exp.If(this=_any(held), true=eligible.copy()),
                exp.If(this=_any(unknown_asks), true=needs_info.copy()),
            ],
            default=ineligible.copy(),
        )


def compile_policy(
    policy: ir.Policy, *, day: date, params: dict[str, int | float], dialect: Dialect
) -> PolicySQL:
    """The conditions and the amount of `policy` on `day` as SQL over the facts columns."""
    compiler = _Compiler(day, params, dialect)
    conditions = tuple((c.id, exp.paren(compiler.sql(c.expr))) for c in policy.conditions)
    amount: exp.Expression = exp.cast(exp.Null(), "bigint")
    if policy.kind in ("cash", "one_off"):
        ifs = []
        default: exp.Expression = exp.Null()
        for tier in policy.amount:
            value = compiler.sql(tier.value)
            if tier.when is None:
                default = value
                break
            ifs.append(exp.If(this=exp.paren(compiler.sql(tier.when)), true=value))
        raw = exp.Case(ifs=ifs, default=default) if ifs else default
        amount = exp.cast(exp.Round(this=raw, decimals=exp.Literal.number(0)), "bigint")
    return PolicySQL(policy, conditions, amount)


def policy_select(
    policy: ir.Policy,
    *,
    day: date,
    params: dict[str, int | float],
    dialect: Dialect,
    source: exp.Expression,
    key: str = "person_id",
    carry: tuple[str, ...] = (),
) -> exp.Select:
    """SELECT key, c_<condition>..., status, amount FROM (source) for one policy on `day`.

    Columns named in `carry` pass through unchanged, after the key.
    """
    compiled = compile_policy(policy, day=day, params=params, dialect=dialect)
    names = [condition_column(c.id) for c in policy.conditions]
    passed = [exp.column(name, quoted=True) for name in (key, *carry)]
    inner = exp.select(*passed).from_(source)
    for name, (_, condition) in zip(names, compiled.conditions, strict=True):
        inner = inner.select(exp.alias_(condition, name, quoted=True))
    inner = inner.select(exp.alias_(compiled.raw_amount, "raw_amount", quoted=True))

    def col(name: str) -> exp.Expression:
        return exp.column(name, quoted=True)

    status = compiled.status({c.id: col(n) for c, n in zip(policy.conditions, names, strict=True)})
    outer = exp.select(col(key), *(col(c) for c in carry), *(col(n) for n in names))
    outer = outer.from_(inner.subquery("f"))
    outer = outer.select(exp.alias_(status, "status", quoted=True))
    paid = exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=status.copy(), expression=exp.Literal.string("eligible")),
                true=col("raw_amount"),
            )
        ],
        default=exp.Null(),
    )
    return outer.select(exp.alias_(paid, "amount", quoted=True))


def policy_sql(
    policy: ir.Policy,
    *,
    day: date,
    params: dict[str, int | float],
    dialect: Dialect,
    source: exp.Expression | None = None,
    key: str = "person_id",
) -> str:
    """The SQL text of `policy_select` for a dialect (the source defaults to table `facts`)."""
    table = source if source is not None else exp.table_("facts", quoted=True)
    select = policy_select(policy, day=day, params=params, dialect=dialect, source=table, key=key)
    return select.sql(dialect=dialect)
