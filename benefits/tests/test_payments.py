"""Monthly payment lists: who is on them, totals, exports with full ID numbers, paying."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEntry
from benefits import services
from benefits.models import Case, PaymentLine
from conftest import login

DAY = date(2026, 11, 1)
MONTH = date(2026, 11, 1)


@pytest.fixture
def approved(grandmother: Any, officer_a: Any, make_user: Any) -> list[Case]:
    reviewer = make_user("reviewer.a", "commune_officer", (31825,))
    chairman = make_user("chairman.a", "commune_officer", (31825,))
    services.approver_set(user=chairman, grant=True)
    services.eligibility_run_create(day=DAY)
    cases = services.cases_propose_eligible(commune_code=31825, actor=officer_a)
    for case in cases:
        services.case_review(case=case, actor=reviewer)
        services.case_approve(case=case, actor=chairman)
    return cases


def test_it_lists_approved_cases_with_totals(approved: list[Case], officer_a: Any) -> None:
    payment_list = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    assert payment_list.number == "DS-31825-202611-01"
    assert payment_list.total == 1000000
    assert PaymentLine.objects.filter(payment_list=payment_list).count() == 2


def test_it_leaves_out_suspended_and_flagged_cases(approved: list[Case], officer_a: Any) -> None:
    chairman = approved[0].approved_by
    services.case_suspend(case=approved[0], actor=chairman, reason="Tạm giam")
    Case.objects.filter(pk=approved[1].pk).update(needs_review=True)
    with pytest.raises(services.WorkflowError) as refused:
        services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    assert refused.value.code == "nothing_to_pay"


def test_it_pays_a_month_once_and_puts_later_cases_on_a_supplementary_list(
    approved: list[Case], officer_a: Any
) -> None:
    first = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    services.payment_list_mark_paid(payment_list=first, actor=officer_a)
    assert approved[0].transitions.filter(action="paid").exists()
    with pytest.raises(services.WorkflowError):
        services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    with pytest.raises(services.WorkflowError):
        services.payment_list_mark_paid(payment_list=first, actor=officer_a)
    december = services.payment_list_create(
        commune_code=31825, month=date(2026, 12, 1), actor=officer_a
    )
    assert december.sequence == 1
    assert december.total == 1000000


def test_it_rebuilds_a_draft_list(approved: list[Case], officer_a: Any) -> None:
    first = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    services.case_suspend(case=approved[0], actor=approved[0].approved_by, reason="Tạm giam")
    again = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    assert again.pk == first.pk
    assert again.total == 500000


def test_it_refuses_another_communes_officer(approved: list[Case], officer_b: Any) -> None:
    with pytest.raises(services.WorkflowError):
        services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_b)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_it_exports_full_id_numbers_and_audits_it(
    client: Any, approved: list[Case], officer_a: Any, fmt: str
) -> None:
    payment_list = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    login(client, officer_a)
    response = client.get(reverse("benefits:payment_list_export", args=[payment_list.pk, fmt]))
    assert response.status_code == 200
    body = response.content
    if fmt == "csv":
        text = body.decode("utf-8-sig")
        assert "096151000123" in text
        assert "Thạch Thị Sen" in text
        assert "1000000" in text
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row]
        assert "096151000123" in values
        assert 1000000 in values
        assert zipfile.is_zipfile(io.BytesIO(body))
    else:
        assert body.startswith(b"%PDF")
        assert b"DejaVuSans" in body
    entry = AuditEntry.objects.get(object_type="benefits.payment_list", action="export")
    assert entry.details["format"] == fmt
    assert entry.actor == officer_a


def test_it_shows_masked_ids_on_the_page_and_refuses_another_commune(
    client: Any, approved: list[Case], officer_a: Any, officer_b: Any, province_admin: Any
) -> None:
    payment_list = services.payment_list_create(commune_code=31825, month=MONTH, actor=officer_a)
    url = reverse("benefits:payment_list", args=[payment_list.pk])
    login(client, officer_a)
    page = client.get(url).content.decode()
    assert "•••••••••123" in page
    assert "096151000123" not in page
    login(client, officer_b)
    assert client.get(url).status_code == 404
    export = reverse("benefits:payment_list_export", args=[payment_list.pk, "pdf"])
    assert client.get(export).status_code == 404
    assert (
        client.post(reverse("benefits:payment_list_paid", args=[payment_list.pk])).status_code
        == 404
    )
    assert client.get("/api/v1/benefits/payment-lists").json() == []
    login(client, province_admin)
    assert client.get(url).status_code == 200


def test_it_makes_and_marks_a_list_paid_from_the_pages(
    client: Any, approved: list[Case], officer_a: Any
) -> None:
    login(client, officer_a)
    response = client.post(
        reverse("benefits:payment_lists"), {"commune": 31825, "month": "2026-11"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.context["total"].startswith("1.000.000")
    paid = client.post(
        reverse("benefits:payment_list_paid", args=[detail.context["payment_list"].pk]),
        {"confirm": "yes"},
    )
    assert paid.status_code == 302
    assert client.get(response["Location"]).context["payment_list"].status == "paid"


def test_it_writes_a_payment_list_from_the_command_line(
    approved: list[Case], officer_a: Any, tmp_path: Any
) -> None:
    target = tmp_path / "list.pdf"
    with pytest.raises(CommandError, match="--by"):
        call_command(
            "benefits",
            "payment-list",
            "--commune",
            "31825",
            "--month",
            "2026-11",
            "--format",
            "pdf",
            "-o",
            str(target),
        )
    out = StringIO()
    call_command(
        "benefits",
        "payment-list",
        "--commune",
        "31825",
        "--month",
        "2026-11",
        "--format",
        "pdf",
        "-o",
        str(target),
        "--by",
        officer_a.username,
        stdout=out,
    )
    assert target.read_bytes().startswith(b"%PDF")
    assert "DS-31825-202611-01" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command(
            "benefits",
            "payment-list",
            "--commune",
            "31825",
            "--month",
            "11/2026",
            "-o",
            str(target),
        )
