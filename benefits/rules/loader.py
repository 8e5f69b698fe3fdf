"""Read policy files (YAML) into the typed IR, refusing anything not understood.

The loader fails closed: an unknown field, a fact missing from the declared fact schema, an
expression outside the closed vocabulary, a parameter without a value on the evaluation day or
overlapping validity periods stop the load with the file, the line and the reason.

Expressions are written in a small Python-like syntax and parsed with `ast` (never evaluated):

    age_on(end_of_month(date)) >= 75 and poverty_status in ("poor", "near_poor")

Vocabulary: comparisons (== != < <= > >=, chained), and / or / not, `in` / `not in` over a
literal list, between(x, low, high), age_on(day), years_between(a, b), months_between(a, b),
end_of_month(day), is_missing(fact), date("YYYY-MM-DD"), `p.<parameter>` for a dated parameter,
`date` for the evaluation day, and + - * in amounts.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from benefits.rules import ir

POLICY_FIELDS = {
    "id",
    "title",
    "legal_basis",
    "valid_from",
    "valid_to",
    "entity",
    "kind",
    "match",
    "conditions",
    "amount",
    "exclusive_group",
    "stacks_with",
    "payee",
    "grants_health_insurance",
    "notes",
    "parameters",
    "tests",
}
CONDITION_FIELDS = {"id", "expr", "message", "on_missing"}
TEST_FIELDS = {"name", "date", "facts", "expect"}
EXPECT_FIELDS = {"status", "amount", "conditions", "missing"}
PARAMETER_FIELDS = {"unit", "reference", "values", "provinces"}
PERIOD_FIELDS = {"from", "to", "value"}
FACT_FIELDS = {"type", "choices", "label"}
FACT_TYPES = {"date", "int", "bool", "enum"}


class PolicyError(Exception):
    """A policy file that cannot be used, with where and why."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _read_yaml(path: Path) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    try:
        return yaml.load(raw, Loader=_LineLoader), raw  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise PolicyError(str(path), line, f"not valid YAML: {exc}") from exc


def _line(mapping: Any, key: Any = None) -> int:
    if isinstance(mapping, LineDict):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return 0


def _check_fields(path: str, mapping: Any, allowed: set[str], what: str) -> LineDict:
    if not isinstance(mapping, LineDict):
        raise PolicyError(path, 0, f"{what} must be a mapping")
    for key in mapping:
        if key not in allowed:
            raise PolicyError(
                path,
                _line(mapping, key),
                f"unknown field {key!r} in {what} (allowed: {', '.join(sorted(allowed))})",
            )
    return mapping


def _require(path: str, mapping: LineDict, key: str, what: str) -> Any:
    if key not in mapping or mapping[key] is None:
        raise PolicyError(path, mapping.line, f"{what} needs the field {key!r}")
    return mapping[key]


def _as_date(path: str, line: int, value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyError(path, line, f"{what} must be a date written YYYY-MM-DD, not {value!r}")


def _text(path: str, mapping: LineDict, key: str, what: str) -> tuple[str, str]:
    value = _require(path, mapping, key, what)
    value = _check_fields(path, value, {"vi", "en"}, f"{what} {key}")
    vi, en = value.get("vi"), value.get("en")
    if not isinstance(vi, str) or not vi.strip() or not isinstance(en, str) or not en.strip():
        raise PolicyError(path, _line(mapping, key), f"{what} {key} needs both vi and en text")
    return vi, en


# --- facts and parameters ------------------------------------------------------------------


def load_fact_schema(path: Path) -> dict[str, ir.FactSpec]:
    """The facts a condition may read, with their types (policies/facts.yaml)."""
    data, _ = _read_yaml(path)
    where = str(path)
    data = _check_fields(where, data, {"facts"}, "the fact schema")
    facts: dict[str, ir.FactSpec] = {}
    for name, spec in _require(where, data, "facts", "the fact schema").items():
        spec = _check_fields(where, spec, FACT_FIELDS, f"fact {name!r}")
        kind = spec.get("type")
        if kind not in FACT_TYPES:
            raise PolicyError(
                where, _line(spec, "type"), f"fact {name!r} has unknown type {kind!r}"
            )
        choices = tuple(str(c) for c in spec.get("choices") or ())
        if kind == "enum" and not choices:
            raise PolicyError(where, spec.line, f"enum fact {name!r} needs its choices")
        label = spec.get("label") or {}
        facts[name] = ir.FactSpec(
            name=name,
            type=kind,
            choices=choices,
            label_vi=str(label.get("vi", name)),
            label_en=str(label.get("en", name)),
        )
    return facts


def _periods(where: str, values: Any, what: str) -> tuple[ir.Period, ...]:
    if not isinstance(values, list) or not values:
        raise PolicyError(where, 0, f"{what} needs a list of values with from/to dates")
    periods = []
    for item in values:
        item = _check_fields(where, item, PERIOD_FIELDS, what)
        start = _as_date(where, item.line, _require(where, item, "from", what), f"{what} from")
        end_raw = item.get("to")
        end = None if end_raw is None else _as_date(where, item.line, end_raw, f"{what} to")
        value = _require(where, item, "value", what)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PolicyError(where, item.line, f"{what} value must be a number, not {value!r}")
        if end is not None and end < start:
            raise PolicyError(where, item.line, f"{what} ends before it starts")
        periods.append((item.line, ir.Period(valid_from=start, valid_to=end, value=value)))
    periods.sort(key=lambda pair: pair[1].valid_from)
    for (_, earlier), (line, later) in zip(periods, periods[1:], strict=False):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise PolicyError(
                where,
                line,
                f"{what}: the period from {later.valid_from} overlaps the period from "
                f"{earlier.valid_from}",
            )
    return tuple(period for _, period in periods)


def _parameters(where: str, data: Any) -> dict[str, ir.Parameter]:
    if not isinstance(data, LineDict):
        raise PolicyError(where, 0, "parameters must be a mapping of name to values")
    result = {}
    for name, spec in data.items():
        spec = _check_fields(where, spec, PARAMETER_FIELDS, f"parameter {name!r}")
        what = f"parameter {name!r}"
        overrides = {}
        for province, values in (spec.get("provinces") or {}).items():
            overrides[str(province)] = _periods(where, values, f"{what} in province {province}")
        result[name] = ir.Parameter(
            name=name,
            periods=_periods(where, _require(where, spec, "values", what), what),
            overrides=overrides,
            unit=str(spec.get("unit", "")),
            reference=str(spec.get("reference", "")),
        )
    return result


def load_parameters(path: Path) -> dict[str, ir.Parameter]:
    """Parameters shared by every policy (policies/parameters.yaml)."""
    data, _ = _read_yaml(path)
    data = _check_fields(str(path), data, {"parameters"}, "the parameter file")
    return _parameters(str(path), _require(str(path), data, "parameters", "the parameter file"))


# --- expressions -----------------------------------------------------------------------------

_COMPARE_OPS: dict[type, str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITH_OPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_NUMERIC = {"int", "number"}


class _ExprParser:
    def __init__(
        self,
        where: str,
        line: int,
        facts: dict[str, ir.FactSpec],
        parameters: dict[str, ir.Parameter],
    ) -> None:
        self.where = where
        self.line = line
        self.facts = facts
        self.parameters = parameters
        self.used_facts: list[str] = []
        self.used_parameters: list[str] = []

    def fail(self, reason: str) -> PolicyError:
        return PolicyError(self.where, self.line, reason)

    def parse(self, text: Any) -> ir.Expr:
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise self.fail(f"an expression must be text, not {text!r}")
        try:
            tree = ast.parse(str(text).strip(), mode="eval")
        except SyntaxError as exc:
            raise self.fail(f"expression {text!r} is not understood: {exc.msg}") from exc
        return self.node(tree.body)

    def node(self, node: ast.expr) -> ir.Expr:  # noqa: C901 - one branch per syntax form
        if isinstance(node, ast.BoolOp):
            items = tuple(self.boolean(value) for value in node.values)
            return ir.And(items) if isinstance(node.op, ast.And) else ir.Or(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ir.Not(self.boolean(node.operand))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.node(node.operand)
            if isinstance(inner, ir.Const) and inner.type in _NUMERIC:
                assert isinstance(inner.value, (int, float))
                return ir.Const(-inner.value, inner.type)
            raise self.fail("a minus sign only goes before a number")
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH_OPS:
            left, right = self.node(node.left), self.node(node.right)
            for side in (left, right):
                if side.type not in _NUMERIC:
                    raise self.fail("arithmetic works on numbers only")
            op = _ARITH_OPS[type(node.op)]
            kind = "int" if left.type == right.type == "int" else "number"
            return ir.Arith(op, left, right, kind)  # type: ignore[arg-type]
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            if node.id == "date":
                return ir.EvalDate()
            if node.id in self.facts:
                spec = self.facts[node.id]
                self.used_facts.append(node.id)
                return ir.FactRef(node.id, spec.type)
            raise self.fail(f"{node.id!r} is not a fact of the fact schema")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id != "p":
                raise self.fail(
                    f"only p.<parameter> may be written with a dot, not {node.value.id}"
                )
            if node.attr not in self.parameters:
                raise self.fail(f"parameter {node.attr!r} is not defined")
            self.used_parameters.append(node.attr)
            return ir.ParamRef(node.attr, "number")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self.call(node.func.id, node.args)
        raise self.fail(f"expression form {type(node).__name__} is not understood")

    def boolean(self, node: ast.expr) -> ir.Expr:
        expr = self.node(node)
        if expr.type != "bool":
            raise self.fail("and / or / not need true-or-false operands")
        return expr

    def constant(self, value: Any) -> ir.Const:
        if isinstance(value, bool):
            return ir.Const(value, "bool")
        if isinstance(value, int):
            return ir.Const(value, "int")
        if isinstance(value, float):
            return ir.Const(value, "number")
        if isinstance(value, str):
            return ir.Const(value, "str")
        raise self.fail(f"constant {value!r} is not understood")

    def date_arg(self, node: ast.expr) -> ir.Expr:
        expr = self.node(node)
        if expr.type != "date":
            raise self.fail("this function needs a date")
        return expr

    def call(self, name: str, args: list[ast.expr]) -> ir.Expr:
        arity = {
            "age_on": 1,
            "years_between": 2,
            "months_between": 2,
            "end_of_month": 1,
            "is_missing": 1,
            "date": 1,
            "between": 3,
        }
        if name not in arity:
            raise self.fail(f"function {name!r} is not in the vocabulary")
        if len(args) != arity[name]:
            raise self.fail(f"{name} takes {arity[name]} argument(s)")
        if name == "date":
            arg = args[0]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise self.fail('date() takes a literal "YYYY-MM-DD"')
            try:
                return ir.Const(date.fromisoformat(arg.value), "date")
            except ValueError as exc:
                raise self.fail(f"{arg.value!r} is not a date YYYY-MM-DD") from exc
        if name == "between":
            item, low, high = (self.node(arg) for arg in args)
            return ir.And(
                (self.check_compare(">=", item, low), self.check_compare("<=", item, high))
            )
        if name == "is_missing":
            fact = self.node(args[0])
            if not isinstance(fact, ir.FactRef):
                raise self.fail("is_missing() takes a fact name")
            return ir.Call("is_missing", (fact,), "bool")
        if name == "end_of_month":
            day = self.date_arg(args[0])
            # Only a known day keeps every SQL dialect simple and exact.
            if not isinstance(day, (ir.EvalDate, ir.Const)):
                raise self.fail("end_of_month() takes the evaluation date or a literal date")
            return ir.Call("end_of_month", (day,), "date")
        if name == "age_on":
            if "date_of_birth" not in self.facts:
                raise self.fail("age_on() needs the fact date_of_birth in the schema")
            self.used_facts.append("date_of_birth")
            birth = ir.FactRef("date_of_birth", "date")
            return ir.Call("years_between", (birth, self.date_arg(args[0])), "int")
        return ir.Call(name, (self.date_arg(args[0]), self.date_arg(args[1])), "int")

    def compare(self, node: ast.Compare) -> ir.Expr:
        parts: list[ir.Expr] = []
        left = self.node(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right_node, (ast.Tuple, ast.List)):
                    raise self.fail('`in` needs a literal list such as ("poor", "near_poor")')
                choices = tuple(self.constant_of(left, element) for element in right_node.elts)
                if not choices:
                    raise self.fail("`in` needs at least one value")
                parts.append(ir.In(left, choices, isinstance(op, ast.NotIn)))
                continue
            if type(op) not in _COMPARE_OPS:
                raise self.fail(f"comparison {type(op).__name__} is not understood")
            right = self.node(right_node)
            parts.append(self.check_compare(_COMPARE_OPS[type(op)], left, right))
            left = right
        return parts[0] if len(parts) == 1 else ir.And(tuple(parts))

    def constant_of(self, item: ir.Expr, node: ast.expr) -> ir.Const:
        if not isinstance(node, ast.Constant):
            raise self.fail("`in` lists hold literal values only")
        const = self.constant(node.value)
        self.check_compare("==", item, const)
        return const

    def check_compare(self, op: str, left: ir.Expr, right: ir.Expr) -> ir.Compare:
        kinds = {left.type, right.type}
        if kinds <= _NUMERIC or kinds == {"date"} or kinds == {"bool"}:
            pass
        elif kinds <= {"enum", "str"}:
            for side, other in ((left, right), (right, left)):
                if isinstance(side, ir.FactRef) and side.type == "enum":
                    if not isinstance(other, ir.Const):
                        raise self.fail("an enum fact is compared with a literal value")
                    choices = self.facts[side.name].choices
                    if other.value not in choices:
                        raise self.fail(
                            f"{other.value!r} is not a value of {side.name} ({', '.join(choices)})"
                        )
        else:
            raise self.fail(f"cannot compare a {left.type} with a {right.type}")
        if op not in ("==", "!=") and kinds & {"bool", "enum", "str"}:
            raise self.fail(f"{op} does not apply to true-or-false or text values")
        return ir.Compare(op, left, right)  # type: ignore[arg-type]


# --- policies --------------------------------------------------------------------------------


def _golden_value(where: str, line: int, spec: ir.FactSpec, value: Any) -> ir.Value:
    if value is None:
        return None
    ok = {
        "date": isinstance(value, date),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "enum": isinstance(value, str) and value in spec.choices,
    }[spec.type]
    if not ok:
        raise PolicyError(where, line, f"test value {value!r} does not fit fact {spec.name}")
    return value  # type: ignore[no-any-return]


def _golden_tests(
    where: str, data: Any, facts: dict[str, ir.FactSpec], condition_ids: set[str]
) -> tuple[ir.GoldenTest, ...]:
    tests = []
    for item in data or []:
        item = _check_fields(where, item, TEST_FIELDS, "a test")
        name = str(_require(where, item, "name", "a test"))
        day = _as_date(where, item.line, _require(where, item, "date", "a test"), "test date")
        given = _check_fields(where, item.get("facts") or LineDict(), set(facts), f"test {name}")
        values = {
            key: _golden_value(where, _line(given, key), facts[key], value)
            for key, value in given.items()
        }
        expect = _check_fields(
            where, _require(where, item, "expect", "a test"), EXPECT_FIELDS, f"test {name}"
        )
        status = expect.get("status")
        if status not in ("eligible", "ineligible", "needs_info"):
            raise PolicyError(where, _line(expect, "status"), f"test {name}: unknown status")
        conditions = expect.get("conditions") or {}
        for key in conditions:
            if key not in condition_ids:
                raise PolicyError(where, _line(conditions, key), f"test {name}: no condition {key}")
        missing = expect.get("missing")
        tests.append(
            ir.GoldenTest(
                name=name,
                line=item.line,
                day=day,
                facts=values,
                status=status,
                amount=expect.get("amount"),
                conditions=dict(conditions),
                missing=None if missing is None else tuple(missing),
            )
        )
    return tuple(tests)


def load_policy(
    path: Path, facts: dict[str, ir.FactSpec], shared: dict[str, ir.Parameter]
) -> tuple[ir.Policy, dict[str, ir.Parameter]]:
    """One policy file -> (policy, its own parameters). Raises PolicyError."""
    data, raw = _read_yaml(path)
    where = str(path)
    data = _check_fields(where, data, POLICY_FIELDS, "a policy")
    local = _parameters(where, data["parameters"]) if data.get("parameters") else {}
    for name in local:
        if name in shared:
            raise PolicyError(where, _line(data, "parameters"), f"parameter {name!r} is shared")
    parameters = {**shared, **local}
    title_vi, title_en = _text(where, data, "title", "the policy")
    valid_from = _as_date(
        where,
        _line(data, "valid_from"),
        _require(where, data, "valid_from", "a policy"),
        "valid_from",
    )
    valid_to_raw = data.get("valid_to")
    valid_to = None
    if valid_to_raw is not None:
        valid_to = _as_date(where, _line(data, "valid_to"), valid_to_raw, "valid_to")
    choices = {
        "entity": ("person", "household"),
        "kind": ("cash", "one_off", "health_insurance"),
        "match": ("all", "any"),
        "payee": ("person", "carer"),
    }
    for key, allowed in choices.items():
        if data.get(key, allowed[0]) not in allowed:
            raise PolicyError(where, _line(data, key), f"{key} must be one of {allowed}")
    used_parameters: list[str] = []
    conditions = []
    seen: set[str] = set()
    for item in _require(where, data, "conditions", "a policy"):
        item = _check_fields(where, item, CONDITION_FIELDS, "a condition")
        cid = str(_require(where, item, "id", "a condition"))
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,50}", cid):
            raise PolicyError(where, _line(item, "id"), f"condition id {cid!r}: use a-z, 0-9 and _")
        if cid in seen:
            raise PolicyError(where, item.line, f"condition {cid!r} appears twice")
        seen.add(cid)
        parser = _ExprParser(where, _line(item, "expr"), facts, parameters)
        expr = parser.parse(_require(where, item, "expr", "a condition"))
        if expr.type != "bool":
            raise PolicyError(where, _line(item, "expr"), f"condition {cid} must be true or false")
        on_missing = item.get("on_missing", "needs_info")
        if on_missing not in ("needs_info", "fail"):
            raise PolicyError(where, _line(item, "on_missing"), "on_missing: needs_info or fail")
        message_vi, message_en = _text(where, item, "message", f"condition {cid}")
        used_parameters += parser.used_parameters
        conditions.append(
            ir.Condition(
                id=cid,
                expr=expr,
                message_vi=message_vi,
                message_en=message_en,
                on_missing=on_missing,
                facts=tuple(dict.fromkeys(parser.used_facts)),
            )
        )
    tiers = []
    amount = data.get("amount")
    if data.get("kind", "cash") in ("cash", "one_off") and not amount:
        raise PolicyError(where, data.line, "a cash or one-off policy needs an amount")
    for item in amount or []:
        item = _check_fields(where, item, {"when", "value"}, "an amount tier")
        when = None
        if item.get("when") is not None:
            parser = _ExprParser(where, _line(item, "when"), facts, parameters)
            when = parser.parse(item["when"])
            if when.type != "bool":
                raise parser.fail("an amount tier's when must be true or false")
            used_parameters += parser.used_parameters
        parser = _ExprParser(where, _line(item, "value"), facts, parameters)
        value = parser.parse(_require(where, item, "value", "an amount tier"))
        if value.type not in _NUMERIC:
            raise parser.fail("an amount must be a number")
        used_parameters += parser.used_parameters
        tiers.append(ir.AmountTier(when=when, value=value))
    used = tuple(dict.fromkeys(used_parameters))
    snapshot = {name: parameters[name] for name in used}
    digest = hashlib.sha256(raw)
    digest.update(json.dumps({k: repr(v) for k, v in snapshot.items()}, sort_keys=True).encode())
    policy = ir.Policy(
        id=str(_require(where, data, "id", "a policy")),
        path=where,
        title_vi=title_vi,
        title_en=title_en,
        legal_basis=tuple(str(x) for x in data.get("legal_basis") or ()),
        valid_from=valid_from,
        valid_to=valid_to,
        entity=data.get("entity", "person"),
        kind=data.get("kind", "cash"),
        match=data.get("match", "all"),
        conditions=tuple(conditions),
        amount=tuple(tiers),
        exclusive_group=str(data.get("exclusive_group") or ""),
        stacks_with=tuple(str(x) for x in data.get("stacks_with") or ()),
        grants_health_insurance=bool(data.get("grants_health_insurance", False)),
        notes=str(data.get("notes") or ""),
        tests=_golden_tests(where, data.get("tests"), facts, seen),
        version=digest.hexdigest()[:16],
        parameters=used,
        payee=data.get("payee", "person"),
    )
    return policy, local


def load_directory(directory: Path) -> ir.PolicySet:
    """Every policy in a directory: facts.yaml, parameters.yaml and one *.yaml per policy."""
    facts = load_fact_schema(directory / "facts.yaml")
    shared = load_parameters(directory / "parameters.yaml")
    parameters = dict(shared)
    policies: list[ir.Policy] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("facts.yaml", "parameters.yaml"):
            continue
        policy, local = load_policy(path, facts, shared)
        for other in policies:
            if other.id != policy.id:
                continue
            ends = [p.valid_to or date.max for p in (policy, other)]
            if policy.valid_from <= ends[1] and other.valid_from <= ends[0]:
                raise PolicyError(
                    str(path), 1, f"policy {policy.id} overlaps the period of {other.path}"
                )
        for name, parameter in local.items():
            parameters[f"{policy.id}:{name}"] = parameter
        policies.append(policy)
    return ir.PolicySet(facts=facts, parameters=parameters, policies=tuple(policies))


def parameter_values(
    policy: ir.Policy, policies: ir.PolicySet, day: date, province: str | None = None
) -> dict[str, int | float]:
    """The value of every parameter the policy reads on `day`; refuses a gap."""
    values = {}
    for name in policy.parameters:
        parameter = policies.parameters.get(f"{policy.id}:{name}") or policies.parameters[name]
        value = parameter.value_on(day, province)
        if value is None:
            raise PolicyError(policy.path, 0, f"parameter {name!r} has no value on {day}")
        values[name] = value
    return values
