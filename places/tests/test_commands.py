from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from places.models import AreaStatus, ImportRun, Village
from places.tests.factories import csv_bytes

pytestmark = pytest.mark.django_db


def _run(name: str, *args: Any) -> str:
    out = StringIO()
    call_command(name, *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_it_imports_villages_and_writes_the_rejects_next_to_the_file(
    tmp_path: Path, commune_a: Any
) -> None:
    source = tmp_path / "thon.csv"
    source.write_bytes(
        csv_bytes("commune_code,name,kind", "31825,Khóm 1,khom", "99999,Khóm 2,khom", bom=True)
    )

    output = _run("import_villages", source)

    assert "inserted:     1" in output and "rejected:   1" in output
    rejects = tmp_path / "thon.rejects.csv"
    assert str(rejects) in output
    lines = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,commune_code,name,kind,error_vi,error_en"
    assert lines[1].startswith("3,99999,Khóm 2,khom,")
    assert ImportRun.objects.get().via == "cli"

    again = _run("import_villages", source)
    assert "unchanged:   1" in again
    assert Village.objects.count() == 1


def test_it_removes_a_stale_rejects_file_when_all_rows_are_good(
    tmp_path: Path, commune_a: Any
) -> None:
    source = tmp_path / "thon.csv"
    source.write_bytes(csv_bytes("commune_code,name", "31825,Khóm 1"))
    (tmp_path / "thon.rejects.csv").write_text("old")

    output = _run("import_villages", source)

    assert "rejected:   0" in output
    assert not (tmp_path / "thon.rejects.csv").exists()


def test_it_fails_with_the_reason_when_the_whole_file_is_refused(
    tmp_path: Path, commune_a: Any
) -> None:
    source = tmp_path / "thon.csv"
    source.write_bytes("commune_code,name\r\n31825,Đông Hưng\r\n".encode("cp1258"))

    with pytest.raises(CommandError) as caught:
        _run("import_villages", source)

    assert "CSV UTF-8" in str(caught.value)
    assert not Village.objects.exists()


def test_it_fails_when_the_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        _run("import_villages", tmp_path / "missing.csv")


def test_it_imports_area_status_with_a_dry_run_first(tmp_path: Path, commune_a: Any) -> None:
    source = tmp_path / "kv.csv"
    source.write_bytes(
        csv_bytes(
            "commune_code,village,status,valid_from,valid_to,decision,note",
            "31825,,khu vực III,04/06/2021,31/12/2025,861/QĐ-TTg,",
            "31825,,region_1,2025-01-01,,60/QĐ-BDTTG,",
        )
    )
    rejects = tmp_path / "out" / "bad.csv"
    rejects.parent.mkdir()

    checked = _run("import_area_status", source, "--dry-run", "--rejects", rejects)
    assert "check only" in checked and "inserted:     1" in checked
    assert not AreaStatus.objects.exists()

    _run("import_area_status", source, "--rejects", rejects)
    assert AreaStatus.objects.get().status == "region_3"
    assert "overlaps" in rejects.read_text(encoding="utf-8-sig")


def test_it_is_reachable_as_a_hyphenated_langso_command(capsys: Any) -> None:
    from langso import cli

    for name, columns in (
        ("import-villages", "commune_code, name, kind, local_code"),
        ("import-area-status", "valid_from, valid_to, decision, note"),
    ):
        with pytest.raises(SystemExit) as caught:
            cli.main(["langso", name, "--help"])
        assert caught.value.code == 0
        assert columns in " ".join(capsys.readouterr().out.split())
