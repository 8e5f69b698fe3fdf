"""The audit log page and its CSV export, for province administrators only."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import time_machine

from accounts import services
from accounts.models import AuditEntry
from conftest import COMMUNE_A, COMMUNE_B, login

AUDIT = "/accounts/audit/"
EXPORT = "/accounts/audit/export/"


@pytest.fixture
def entries(db: Any, officer_a: Any, officer_b: Any) -> None:
    """Reads of person records in two communes on two days (local time)."""
    with time_machine.travel("2026-03-01 23:30 +0700", tick=False):
        services.audit_record(
            actor=officer_a,
            action=AuditEntry.Action.VIEW,
            object_type="person",
            object_id=11,
            object_label="Thạch Thị Sà Quân",
            commune_code=COMMUNE_A,
            reason="Xét trợ cấp",
        )
    with time_machine.travel("2026-03-02 00:30 +0700", tick=False):
        services.audit_record(
            actor=officer_b,
            action=AuditEntry.Action.UPDATE,
            object_type="person",
            object_id=22,
            object_label='=HYPERLINK("http://evil")',
            commune_code=COMMUNE_B,
        )


def _at(html: str, ref: str) -> int:
    """Where the page shows the object `ref` ("#11"), or -1. A whole reference only: the page
    also lists the users' creation with their ids, and on PostgreSQL (whose sequences go on from
    earlier tests) user #113 must not count as #11."""
    found = re.search(rf"{re.escape(ref)}\b", html)
    return found.start() if found else -1


def _rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_refuses_everybody_but_province_administrators(
    client: Any, officer_a: Any, officer_b: Any, helper_a: Any, health_worker_a: Any, citizen: Any
) -> None:
    for user in (officer_a, officer_b, helper_a, health_worker_a, citizen):
        login(client, user)
        assert client.get(AUDIT).status_code == 403
        assert client.post(EXPORT).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_it_sends_anonymous_people_to_the_login_page(client: Any, db: Any) -> None:
    for response in (client.get(AUDIT), client.post(EXPORT)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_lists_entries_newest_first(client: Any, province_admin: Any, entries: None) -> None:
    login(client, province_admin)
    html = client.get(AUDIT).content.decode()
    assert 0 <= _at(html, "#22") < _at(html, "#11")
    assert "02/03/2026" in html  # dates as dd/mm/yyyy, local time


@pytest.mark.parametrize(
    ("filters", "shown", "hidden"),
    [
        ({"actor": "OFFICER.A"}, "#11", "#22"),
        ({"action": "update"}, "#22", "#11"),
        ({"object_type": "person", "commune_code": str(COMMUNE_B)}, "#22", "#11"),
        ({"date_from": "02/03/2026"}, "#22", "#11"),
        ({"date_from": "01/03/2026", "date_to": "01/03/2026"}, "#11", "#22"),
    ],
)
def test_it_filters_the_log(
    client: Any,
    province_admin: Any,
    entries: None,
    filters: dict[str, str],
    shown: str,
    hidden: str,
) -> None:
    login(client, province_admin)
    html = client.get(AUDIT, filters).content.decode()
    assert _at(html, shown) >= 0 and _at(html, hidden) == -1


def test_it_explains_a_bad_date_and_keeps_the_other_filters(
    client: Any, province_admin: Any, entries: None
) -> None:
    login(client, province_admin)
    response = client.get(AUDIT, {"date_from": "2026/13/45", "action": "update"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert _at(html, "#22") >= 0 and _at(html, "#11") == -1


def test_it_pages_the_log_with_a_fixed_number_of_queries(
    client: Any, province_admin: Any, officer_a: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(120):
        services.audit_record(
            actor=officer_a, action=AuditEntry.Action.VIEW, object_type="person", object_id=n
        )
    login(client, province_admin)
    with django_assert_max_num_queries(5):
        response = client.get(AUDIT, {"page": 2, "object_type": "person"})
    assert response.status_code == 200
    # The next page keeps the filters.
    assert "?page=3&amp;object_type=person" in response.content.decode()


def test_it_exports_the_filtered_entries_as_csv_for_excel(
    client: Any, province_admin: Any, entries: None
) -> None:
    login(client, province_admin)
    response = client.post(EXPORT, {"commune_code": str(COMMUNE_A)})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = _rows(response)
    assert len(rows) == 2  # header and the one entry of commune A
    row = rows[1]
    assert row[0] == "01/03/2026 23:30:00"
    assert row[1] == "officer.a"
    assert "Thạch Thị Sà Quân" in row
    assert "Xét trợ cấp" in row


def test_it_writes_an_audit_entry_for_each_export(
    client: Any, province_admin: Any, entries: None
) -> None:
    login(client, province_admin)
    _rows(client.post(EXPORT, {"action": "update"}))
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert export.actor == province_admin
    assert export.object_type == "audit_entry"
    assert export.details == {"action": "update"}


def test_it_keeps_spreadsheet_formulas_from_running(
    client: Any, province_admin: Any, entries: None
) -> None:
    login(client, province_admin)
    rows = _rows(client.post(EXPORT, {"commune_code": str(COMMUNE_B)}))
    assert '\'=HYPERLINK("http://evil")' in rows[1]


def test_it_refuses_to_export_with_invalid_filters(
    client: Any, province_admin: Any, entries: None
) -> None:
    login(client, province_admin)
    response = client.post(EXPORT, {"date_to": "yesterday"})
    assert response.status_code == 302
    assert response["Location"].startswith(AUDIT)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_it_does_not_export_on_a_get(client: Any, province_admin: Any) -> None:
    login(client, province_admin)
    assert client.get(EXPORT).status_code == 405
