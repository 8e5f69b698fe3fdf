"""`langso create-user`: open accounts from the command line, with clear refusals."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEntry, User
from conftest import COMMUNE_A, COMMUNE_B

GOOD = "river-mango-2041"


def _run(monkeypatch: Any, *args: str, password: str = GOOD) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("create_user", *args, "--password-stdin", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_creates_an_officer_in_two_communes(db: Any, monkeypatch: Any) -> None:
    output = _run(
        monkeypatch,
        "--username=nguyen.lan",
        "--role=commune_officer",
        f"--commune={COMMUNE_A}",
        f"--commune={COMMUNE_B}",
        "--phone=0912 345 678",
        "--full-name=Nguyễn Thị Lan",
    )
    user = User.objects.get(username="nguyen.lan")
    assert user.role == "commune_officer"
    assert user.phone == "+84912345678"
    assert sorted(user.communes.values_list("code", flat=True)) == [COMMUNE_A, COMMUNE_B]
    assert user.check_password(GOOD)
    assert "nguyen.lan" in output
    assert AuditEntry.objects.get(object_type="user", action="create").via == "cli"


def test_it_refuses_an_unknown_role(db: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=mayor")
    assert "mayor" in str(exc.value) and "commune_officer" in str(exc.value)
    assert not User.objects.exists()


def test_it_refuses_a_commune_that_does_not_exist(db: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=helper", "--commune=99999")
    assert "99999" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=helper", "--commune=abc")
    assert "abc" in str(exc.value)
    assert not User.objects.exists()


def test_it_refuses_a_commune_scoped_role_without_a_commune(db: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=health_worker")
    assert "--commune" in str(exc.value)


def test_it_refuses_a_weak_password_in_both_languages(db: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=province_admin", password="short1")
    message = str(exc.value)
    assert "12" in message
    assert "Staff passwords need at least 12 characters" in message
    assert not User.objects.exists()


def test_it_refuses_a_bad_phone_number(db: Any, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=x", "--role=citizen", "--phone=12345")
    assert "0912 345 678" in str(exc.value)


def test_it_refuses_a_username_already_taken(db: Any, monkeypatch: Any, officer_a: Any) -> None:
    with pytest.raises(CommandError) as exc:
        _run(monkeypatch, "--username=officer.a", "--role=citizen")
    assert "username" in str(exc.value)


def test_it_refuses_to_prompt_without_a_terminal(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError) as exc:
        call_command("create_user", "--username=x", "--role=citizen")
    assert "--password-stdin" in str(exc.value)


def test_it_asks_for_the_password_twice_on_a_terminal(db: Any, monkeypatch: Any) -> None:
    answers = iter([GOOD, GOOD])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_user", "--username=x", "--role=citizen", stdout=io.StringIO())
    assert User.objects.get(username="x").check_password(GOOD)


def test_it_runs_as_langso_create_user(monkeypatch: Any) -> None:
    # Django's command runner closes the database connections when it ends, which would end the
    # test's transaction; check the name mapping and run the command through call_command above.
    from langso import cli

    seen: list[list[str]] = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    cli.main(["langso", "create-user", "--username=cli.user", "--role=citizen"])
    assert seen == [["langso", "create_user", "--username=cli.user", "--role=citizen"]]
