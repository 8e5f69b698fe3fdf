"""`langso policies check`."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from benefits.rules import POLICY_DIR


def test_it_checks_every_policy_on_every_back_end(db: object) -> None:
    out = StringIO()
    call_command("policies", "check", stdout=out)
    assert "19 policies" in out.getvalue()
    assert "0 failures" in out.getvalue()
    assert "sqlite, duckdb" in out.getvalue()


def test_it_fails_on_a_golden_test_that_does_not_hold(db: object, tmp_path: Path) -> None:
    for path in POLICY_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "social_pension.yaml"
    broken.write_text(broken.read_text().replace("amount: 500000}", "amount: 600000}", 1))
    err = StringIO()
    with pytest.raises(CommandError, match="failure"):
        call_command("policies", "check", "--dir", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "amount 500000, expected 600000" in err.getvalue()


def test_it_names_the_file_and_line_of_an_invalid_policy(db: object, tmp_path: Path) -> None:
    for path in POLICY_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "social_pension.yaml"
    broken.write_text(broken.read_text().replace("kind: cash", "kind: cash\nbudget: 1", 1))
    with pytest.raises(CommandError, match=r"social_pension.yaml:\d+: unknown field 'budget'"):
        call_command("policies", "check", "--dir", str(tmp_path))
