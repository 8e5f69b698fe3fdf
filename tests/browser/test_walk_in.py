"""The walk-in flow at a corner, in a real browser on a 360 px phone, as a helper works on a
market day: a person arrives and gets a number, the helper opens a case from the ticket, is
refused an on-behalf action until consent is recorded, acts for the person, closes the case and
hands the phone over for feedback. Every page on the way passes axe-core WCAG 2.2 A/AA, has one
<h1> and does not scroll sideways; so do the citizen's question and feedback pages."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.support import (
    FIGURES,
    NARROW,
    Problem,
    log_in,
    new_context,
    page_problems,
    report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _corner_of(username: str) -> Any:
    """An open corner of the helper's commune where the helper serves (made if the demo has
    none there)."""
    from accounts.models import User
    from help.models import Corner, Member

    helper = User.objects.get(username=username)
    commune = helper.communes.order_by("code").first()
    corner = (
        Corner.objects.filter(commune=commune, is_active=True, members__user=helper)
        .order_by("pk")
        .first()
    )
    if corner is None:
        corner = Corner.objects.create(
            commune=commune, name="Điểm chuyển đổi số chợ phường", address="Nhà lồng chợ, khóm 2"
        )
        Member.objects.create(corner=corner, user=helper)
    return corner


def _check(page: Any, response: Any, axe: str, problems: list[Problem]) -> None:
    found, _links = page_problems(page, response, axe, NARROW["width"])
    problems.extend(Problem(page.url, what) for what in found)


def _recheck(page: Any, axe: str, problems: list[Problem]) -> None:
    """Check the page now shown after a form's redirect, loading it again for its status."""
    _check(page, page.goto(page.url.split("#")[0]), axe, problems)


def test_a_helper_serves_a_walk_in_from_ticket_to_feedback(browser, site, axe_source) -> None:  # type: ignore[no-untyped-def]
    from help.models import Case

    corner = _corner_of("demo.helper")
    started = time.monotonic()
    problems: list[Problem] = []
    context = new_context(browser, axe_source, viewport=NARROW)
    page = context.new_page()
    try:
        log_in(page, site, "demo.helper")
        _check(page, page.goto(f"{site}/workspace/"), axe_source, problems)

        # She arrives: a number, with priority for an older woman.
        _check(
            page, page.goto(f"{site}/help/staff/corners/{corner.pk}/queue/"), axe_source, problems
        )
        page.select_option("#id_topic", "vneid")
        page.fill("#id_name", "Bà Lâm Thị Út")
        page.fill("#id_phone", "0912 345 670")
        page.check("#id_priority")
        with page.expect_navigation():
            page.get_by_role("button", name="Cấp số").click()
        assert re.search(r"/help/staff/tokens/\d+/$", page.url), page.url
        _recheck(page, axe_source, problems)

        # The helper opens a case from the ticket: name, phone and topic are filled in.
        with page.expect_navigation():
            page.locator("a.button[href*='/help/cases/new/?token=']").click()
        _check(page, page.goto(page.url), axe_source, problems)
        assert page.input_value("#id_phone") == "+84912345670"
        page.fill("#id_summary", "Kích hoạt VNeID mức 2, bà không biết chữ")
        with page.expect_navigation():
            page.get_by_role("button", name="Mở yêu cầu").click()
        assert re.search(r"/help/cases/\d+/$", page.url), page.url
        case_url = page.url
        _recheck(page, axe_source, problems)

        # Acting on her behalf is refused until she agrees.
        page.check("input[name=kind][value=on_behalf]")
        page.fill("#id_description", "Đăng nhập VNeID và chụp ảnh khuôn mặt")
        page.fill("#id_minutes", "12")
        with page.expect_navigation():
            page.locator("form[action$='/actions/'] button[type=submit]").click()
        assert "Chưa có sự đồng ý của Bà Lâm Thị Út" in page.content()

        page.goto(case_url)
        page.check("input[name=method][value=verbal]")
        with page.expect_navigation():
            page.get_by_role("button", name="Ghi nhận sự đồng ý").click()
        page.check("input[name=kind][value=on_behalf]")
        page.fill("#id_description", "Đăng nhập VNeID và chụp ảnh khuôn mặt")
        page.fill("#id_minutes", "12")
        with page.expect_navigation():
            page.locator("form[action$='/actions/'] button[type=submit]").click()
        timeline = page.locator(".help-timeline").inner_text()
        assert "Huỳnh Thị Kim Ngân" in timeline or "demo.helper" in timeline
        assert "Bà Lâm Thị Út" in timeline
        _recheck(page, axe_source, problems)

        # Closing: done on her behalf, and the phone is handed over for feedback.
        with page.expect_navigation():
            page.get_by_role("link", name="Đóng yêu cầu").first.click()
        _check(page, page.goto(page.url), axe_source, problems)
        page.check("input[name=outcome][value=on_behalf]")
        page.check("input[name=feedback][value=now]")
        with page.expect_navigation():
            page.get_by_role("button", name="Đóng yêu cầu").click()
        _recheck(page, axe_source, problems)
        page.check("input[name=helpful][value=yes]")
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi", exact=True).click()
        assert "Người dân nói đã giúp được." in page.content()
        _recheck(page, axe_source, problems)
    finally:
        context.close()

    case = Case.objects.select_related("token", "feedback").get(
        pk=int(case_url.rstrip("/").rsplit("/", 1)[1])
    )
    assert case.status == "closed" and case.outcome == "on_behalf" and case.minutes_spent == 12
    assert case.token is not None and case.token.status == "done" and case.token.priority
    assert case.feedback.helpful and case.consent_method == "verbal"
    assert list(case.actions.values_list("kind", flat=True)) == ["consent", "on_behalf", "status"]
    FIGURES.append(f"walk-in flow, ticket to feedback: {time.monotonic() - started:.1f} s")
    if problems:
        pytest.fail(report("walk-in flow", problems), pytrace=False)


def test_the_citizens_question_and_feedback_pages_are_accessible(browser, site, axe_source) -> None:  # type: ignore[no-untyped-def]
    from help import case_services
    from help.models import Case

    corner = _corner_of("demo.helper")
    problems: list[Problem] = []
    context = new_context(browser, axe_source, viewport=NARROW)
    page = context.new_page()
    try:
        _check(page, page.goto(f"{site}/help/ask/"), axe_source, problems)
        page.select_option("#id_commune", str(corner.commune_id))
        page.fill("#id_name", "Chị Hai")
        page.fill("#id_phone", "0912 111 222")
        page.fill("#id_text", "Làm thẻ bảo hiểm y tế cho con ở đâu?")
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi câu hỏi").click()
        _recheck(page, axe_source, problems)
        code = page.locator(".help-code").inner_text()

        case = Case.objects.get(pk=case_services.case_pk_from_code(code))
        helper = case.corner.members.first().user if case.corner else None
        assert helper is not None
        case_services.question_answer(
            case=case, actor=helper, answer="Mang giấy khai sinh đến UBND."
        )
        page.goto(f"{site}/help/ask/answer/?code={code}")
        page.fill("#id_phone", "0912111222")
        with page.expect_navigation():
            page.get_by_role("button", name="Xem câu trả lời").click()
        assert "Mang giấy khai sinh" in page.content()

        _check(page, page.goto(f"{site}/help/f/{code}/"), axe_source, problems)
    finally:
        context.close()
    if problems:
        pytest.fail(report("question pages", problems), pytrace=False)


def test_the_case_figures_are_accessible(browser, site, axe_source) -> None:  # type: ignore[no-untyped-def]
    problems: list[Problem] = []
    for username in ("demo.officer", "demo.admin"):
        context = new_context(browser, axe_source, viewport=NARROW)
        page = context.new_page()
        try:
            log_in(page, site, username)
            for path in ("/help/dashboard/", "/help/cases/", "/help/cases/overdue/"):
                _check(page, page.goto(site + path), axe_source, problems)
        finally:
            context.close()
    if problems:
        pytest.fail(report("case figures", problems), pytrace=False)


def test_a_full_case_page_is_accessible(browser, site, axe_source, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    """A question with its recording, a photo, a voice note, a referral, registry search results
    and the officer's FAQ button: every part of the case page at once."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from accounts.models import User
    from help import case_services
    from people.models import Person

    settings.MEDIA_ROOT = tmp_path
    corner = _corner_of("demo.helper")
    helper = User.objects.get(username="demo.helper")
    voice = SimpleUploadedFile("q.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64)
    case = case_services.question_ask(
        commune=corner.commune, name="Ông Bảy", phone="0912 777 888", text="", audio=voice
    )
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (230, 220, 200)).save(buffer, "JPEG")
    photo = SimpleUploadedFile("cccd.jpg", buffer.getvalue())
    case_services.attachment_add(case=case, actor=helper, upload=photo, description="CCCD")
    note = SimpleUploadedFile("note.amr", b"#!AMR\n" + b"\x3c" * 64)
    case_services.attachment_add(case=case, actor=helper, upload=note)
    case_services.referral_create(
        case=case, actor=helper, agency="Bảo hiểm xã hội khu vực", reason="Thẻ BHYT bị trùng"
    )
    name = Person.objects.filter(commune=corner.commune).values_list("full_name", flat=True)[0]
    problems: list[Problem] = []
    for username, query in (("demo.helper", f"?q={name.split()[-1]}"), ("demo.officer", "")):
        context = new_context(browser, axe_source, viewport=NARROW)
        page = context.new_page()
        try:
            log_in(page, site, username)
            url = f"{site}/help/cases/{case.pk}/{query}"
            _check(page, page.goto(url), axe_source, problems)
        finally:
            context.close()
    if problems:
        pytest.fail(report("a full case page", problems), pytrace=False)
