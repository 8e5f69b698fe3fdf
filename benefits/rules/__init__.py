"""Rules as code: policy files -> typed IR -> a Python evaluator and SQL (sqlglot).

Pure modules with no Django import: loader (YAML -> IR, fail closed), ir (the dataclasses),
evaluate (one person, three-valued logic, precedence), sqlgen (SQLite / PostgreSQL / DuckDB),
golden (runs every golden test on every back-end).
"""

from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
