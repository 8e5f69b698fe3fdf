"""Cases at a corner: open, find the person, consent, act on behalf, refer, close, feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from conftest import login
from help import case_services as services
from help.models import Case, CaseAction, Feedback, QueueToken, Referral, TopicTarget
from help.tests import case_factories as factories
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def corner_a(commune_a):  # type: ignore[no-untyped-def]
    return factories.corner(commune_a)


@pytest.fixture
def corner_b(commune_b):  # type: ignore[no-untyped-def]
    return factories.corner(commune_b, name="Điểm chuyển đổi số phường An Xuyên")


@pytest.fixture
def sa_quan(make_person, commune_a):  # type: ignore[no-untyped-def]
    return make_person(commune_a, "Thạch Thị Sà Quân", phone="+84912000111")


def _token(corner, number=1, **extra):  # type: ignore[no-untyped-def]
    fields = {"name": "Danh Văn Út", "phone": "+84913222333", "topic": "hi_app"}
    fields.update(extra)
    return QueueToken.objects.create(
        corner=corner,
        day=timezone.localdate(),
        number=number,
        issued_at=timezone.now(),
        **fields,
    )


# Opening -------------------------------------------------------------------------------------


def test_it_links_a_walk_in_to_the_registry_by_phone(helper_a, corner_a, sa_quan) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a, name="")

    assert case.person == sa_quan and case.name == "Thạch Thị Sà Quân"
    assert case.commune_id == 31825 and case.phone == "+84912000111"
    assert case.assigned_to == helper_a and case.opened_by == helper_a
    assert case.due_at - case.opened_at == timedelta(hours=72)
    assert AuditEntry.objects.filter(object_type="person", object_id=str(sa_quan.pk)).exists()


def test_it_serves_someone_unknown_with_a_phone_number_only(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a, name="Bà Tư", phone="0987 654 321")

    assert case.person is None and case.phone == "+84987654321" and case.name == "Bà Tư"


def test_it_refuses_a_case_for_a_person_of_another_commune(  # type: ignore[no-untyped-def]
    helper_a, corner_a, make_person, commune_b
) -> None:
    other = make_person(commune_b, "Lâm Văn Bé")

    with pytest.raises(ValidationError) as refused:
        factories.case(helper_a, corner_a, personal_id=other.personal_id, name="")

    message = refused.value.message_dict["person"][0]
    assert "Phường An Xuyên" in message and "corner of Phường An Xuyên" in message
    assert not Case.objects.exists()


def test_it_refuses_an_unknown_id_number_and_says_to_leave_it_empty(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        factories.case(helper_a, corner_a, personal_id="096188000000")
    assert "leave it empty" in refused.value.message_dict["personal_id"][0]


def test_it_takes_the_due_time_from_the_provinces_target(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    TopicTarget.objects.create(topic="dossier", target_hours=8)

    case = factories.case(helper_a, corner_a, topic="dossier")

    assert case.due_at - case.opened_at == timedelta(hours=8)


def test_it_opens_a_case_from_a_queue_ticket_once(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    token = _token(corner_a)
    login(client, helper_a)
    url = reverse("help:case_open") + f"?token={token.pk}"

    form = client.get(url)
    assert form.context["form"].initial["phone"] == "+84913222333"
    response = client.post(
        url,
        {
            "token": token.pk,
            "corner": corner_a.pk,
            "channel": "walk_in",
            "topic": "hi_app",
            "phone": "+84913222333",
            "name": "Danh Văn Út",
            "summary": "Cài ứng dụng VssID",
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302 and case.token == token
    again = client.get(url)
    assert again.status_code == 302 and again["Location"].endswith(f"/help/cases/{case.pk}/")
    token.refresh_from_db()
    assert token.status == "serving" and token.served_by == helper_a
    services.case_close(case=case, actor=helper_a, outcome="taught")
    token.refresh_from_db()
    assert token.status == "done"


# Consent and actions ---------------------------------------------------------------------------


def test_it_refuses_to_act_on_behalf_without_consent(helper_a, corner_a, sa_quan) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)

    with pytest.raises(ValidationError) as refused:
        services.case_action_add(
            case=case, actor=helper_a, kind="on_behalf", description="Đăng nhập VNeID", minutes=5
        )
    assert "record their consent" in refused.value.messages[0]

    services.case_consent_record(case=case, actor=helper_a, method="verbal")
    action = services.case_action_add(
        case=case, actor=helper_a, kind="on_behalf", description="Đăng nhập VNeID", minutes=5
    )

    assert (action.done_by, action.done_for) == (helper_a, "Thạch Thị Sà Quân")
    case.refresh_from_db()
    assert case.minutes_spent == 5 and case.has_consent
    entry = AuditEntry.objects.filter(object_type="help.case", details__kind="on_behalf").get()
    assert entry.on_behalf_of == "Thạch Thị Sà Quân"


def test_a_withdrawn_consent_stops_on_behalf_actions(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)
    services.case_consent_record(case=case, actor=helper_a, method="paper")
    services.case_consent_withdraw(case=case, actor=helper_a)

    with pytest.raises(ValidationError):
        services.case_action_add(
            case=case, actor=helper_a, kind="on_behalf", description="Nộp hồ sơ"
        )
    taught = services.case_action_add(
        case=case, actor=helper_a, kind="taught", description="Hướng dẫn tự nộp"
    )
    assert taught.kind == "taught"


# Referrals -------------------------------------------------------------------------------------


def test_a_referral_closes_its_loop_and_the_case_opens_again(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a, topic="benefits")
    referral = services.referral_create(
        case=case, actor=helper_a, agency="Bảo hiểm xã hội", reason="Thẻ BHYT hết hạn"
    )
    case.refresh_from_db()
    assert case.status == "referred"

    services.referral_status_set(referral=referral, actor=helper_a, status="got_help")

    case.refresh_from_db()
    referral.refresh_from_db()
    assert case.status == "open" and referral.status == "got_help"
    assert referral.status_by == helper_a
    assert case.actions.filter(kind="referral").count() == 2


# Closing and feedback --------------------------------------------------------------------------


def test_it_closes_and_asks_for_feedback_by_sms(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)

    services.case_close(
        case=case,
        actor=helper_a,
        outcome="taught",
        minutes=10,
        feedback_channel="sms",
        link_base="https://langso.example",
    )

    case.refresh_from_db()
    assert case.status == "closed" and case.outcome == "taught" and case.minutes_spent == 10
    message = Message.objects.get()
    code = services.case_code(case)
    assert message.recipient == "+84912000111"
    assert f"https://langso.example/help/f/{code}/" in message.body
    page = client.get(reverse("help:feedback", args=[code]))
    assert page.status_code == 200
    client.post(reverse("help:feedback", args=[code]), {"helpful": "yes", "comment": "Cảm ơn"})
    feedback = Feedback.objects.get()
    assert feedback.helpful and feedback.channel == "sms" and feedback.comment == "Cảm ơn"
    with pytest.raises(ValidationError):
        services.feedback_record(case=case, helpful=False, channel="sms")


def test_it_refuses_a_made_up_feedback_code(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)
    services.case_close(case=case, actor=helper_a, outcome="done")

    assert client.get(reverse("help:feedback", args=[f"{case.pk}-AAAAA"])).status_code == 404


def test_it_refuses_done_on_behalf_without_consent(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)

    with pytest.raises(ValidationError):
        services.case_close(case=case, actor=helper_a, outcome="on_behalf")
    case.refresh_from_db()
    assert case.status == "open"


def test_it_marks_that_the_person_did_it_alone_next_time(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)
    with pytest.raises(ValidationError):
        services.case_did_alone_mark(case=case, actor=helper_a)
    services.case_close(case=case, actor=helper_a, outcome="taught")

    services.case_did_alone_mark(case=case, actor=helper_a)

    case.refresh_from_db()
    assert case.did_alone_at is not None and case.did_alone_marked_by == helper_a


# Pages -----------------------------------------------------------------------------------------


def test_a_helper_serves_a_walk_in_through_the_pages(client, helper_a, corner_a, sa_quan) -> None:  # type: ignore[no-untyped-def]
    login(client, helper_a)
    response = client.post(
        reverse("help:case_open"),
        {
            "corner": corner_a.pk,
            "channel": "walk_in",
            "topic": "vneid",
            "phone": "0912 000 111",
            "summary": "Kích hoạt VNeID mức 2",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    detail = reverse("help:case_detail", args=[case.pk])

    refused = client.post(
        reverse("help:case_action", args=[case.pk]),
        {"kind": "on_behalf", "description": "Nhập số CCCD", "minutes": 5},
    )
    assert refused.status_code == 400
    assert "record their consent" in refused.content.decode()

    client.post(reverse("help:case_consent", args=[case.pk]), {"method": "verbal"})
    client.post(
        reverse("help:case_action", args=[case.pk]),
        {"kind": "on_behalf", "description": "Nhập số CCCD", "minutes": 5},
    )
    page = client.get(detail)
    assert page.status_code == 200 and "Nhập số CCCD" in page.content.decode()
    client.post(
        reverse("help:case_close", args=[case.pk]),
        {"outcome": "on_behalf", "minutes": 3, "feedback": "now"},
    )
    client.post(reverse("help:case_feedback", args=[case.pk]), {"helpful": "no"})

    case.refresh_from_db()
    assert case.status == "closed" and case.minutes_spent == 8
    assert case.feedback.helpful is False and case.feedback.channel == "walk_in"
    assert list(case.actions.values_list("kind", flat=True)) == ["consent", "on_behalf", "status"]
    assert AuditEntry.objects.filter(object_type="help.case", action="view").exists()


def test_it_finds_and_links_the_person_from_the_case_page(
    client, helper_a, corner_a, sa_quan
) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a, phone="0987 654 321", name="Quân")
    login(client, helper_a)

    page = client.get(reverse("help:case_detail", args=[case.pk]), {"q": "thach thi sa quan"})
    assert page.context["found"] == [sa_quan]
    client.post(reverse("help:case_link_person", args=[case.pk]), {"person": sa_quan.pk})

    case.refresh_from_db()
    assert case.person == sa_quan
    assert AuditEntry.objects.filter(object_type="person_search").exists()


def test_it_lists_cases_with_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    client, helper_a, corner_a, django_assert_max_num_queries
) -> None:
    for n in range(12):
        factories.case(helper_a, corner_a, name=f"Người {n}", phone=f"09120001{n:02d}")
    login(client, helper_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("help:case_list"))

    assert response.status_code == 200 and len(response.context["page"].object_list) == 12


def test_the_overdue_view_shows_only_late_open_cases(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    late = factories.case(helper_a, corner_a, name="Trễ hạn")
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    factories.case(helper_a, corner_a, name="Còn hạn", phone="0912 000 222")
    login(client, helper_a)

    page = client.get(reverse("help:case_overdue"))

    assert [c.name for c in page.context["page"].object_list] == ["Trễ hạn"]


# Refusals --------------------------------------------------------------------------------------


def _endpoints(case, referral):  # type: ignore[no-untyped-def]
    pk = case.pk
    return [
        ("get", reverse("help:case_detail", args=[pk]), {}),
        ("post", reverse("help:case_link_person", args=[pk]), {"person": 1}),
        ("post", reverse("help:case_consent", args=[pk]), {"method": "verbal"}),
        ("post", reverse("help:case_action", args=[pk]), {"kind": "note", "description": "x"}),
        ("post", reverse("help:case_attachment_add", args=[pk]), {}),
        ("get", reverse("help:case_attachment", args=[pk, 1]), {}),
        ("get", reverse("help:case_question_audio", args=[pk]), {}),
        ("post", reverse("help:case_referral_add", args=[pk]), {"agency": "x", "reason": "y"}),
        ("post", reverse("help:referral_status", args=[referral.pk]), {"status": "got_help"}),
        ("post", reverse("help:case_status", args=[pk]), {"status": "waiting"}),
        ("post", reverse("help:case_assign", args=[pk]), {"helper": ""}),
        ("get", reverse("help:case_close", args=[pk]), {}),
        ("post", reverse("help:case_reopen", args=[pk]), {"reason": "x"}),
        ("post", reverse("help:case_did_alone", args=[pk]), {}),
        ("post", reverse("help:case_feedback", args=[pk]), {"helpful": "yes"}),
        ("post", reverse("help:case_answer", args=[pk]), {"answer": "x", "channel": "sms"}),
        ("post", reverse("help:case_faq", args=[pk]), {}),
    ]


def test_it_refuses_every_case_page_to_another_commune(
    client, helper_a, officer_b, corner_a
) -> None:  # type: ignore[no-untyped-def]
    case = factories.case(helper_a, corner_a)
    referral = services.referral_create(case=case, actor=helper_a, agency="UBND", reason="Hỏi")
    login(client, officer_b)

    for method, url, data in _endpoints(case, referral):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (url, response.status_code)
    case.refresh_from_db()
    assert case.status == "referred" and not case.consent_method


def test_it_refuses_case_pages_to_roles_that_do_not_work_on_cases(  # type: ignore[no-untyped-def]
    client, helper_a, health_worker_a, citizen, corner_a
) -> None:
    case = factories.case(helper_a, corner_a)
    referral = services.referral_create(case=case, actor=helper_a, agency="UBND", reason="Hỏi")
    for user in (health_worker_a, citizen):
        login(client, user)
        for method, url, data in _endpoints(case, referral):
            assert getattr(client, method)(url, data).status_code == 403, (user, url)
        for name in ("help:case_list", "help:case_overdue", "help:case_open", "help:dashboard"):
            assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("help:case_list")).status_code == 302
    assert CaseAction.objects.filter(case=case).count() == 1
    assert Referral.objects.get().status == "pending"


def test_it_finds_a_case_by_number_phone_or_name(client, helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    first = factories.case(helper_a, corner_a, name="Bà Tư", phone="0912 000 333")
    factories.case(helper_a, corner_a, name="Chú Sáu", phone="0912 000 444")
    login(client, helper_a)

    def found(q):  # type: ignore[no-untyped-def]
        page = client.get(reverse("help:case_list"), {"q": q, "status": ""})
        return [c.name for c in page.context["page"].object_list]

    assert found(f"#{first.pk}") == ["Bà Tư"]
    assert found("0912 000 444") == ["Chú Sáu"]
    assert found("Sáu") == ["Chú Sáu"]


def test_closing_a_case_from_a_phone_appointment_marks_it_done(helper_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    from help.models import Appointment

    start = timezone.now() + timedelta(hours=1)
    appointment = Appointment.objects.create(
        corner=corner_a,
        name="Bà Chín",
        phone="+84912555666",
        topic="benefits",
        kind="phone",
        starts_at=start,
        ends_at=start + timedelta(minutes=20),
        code="PH0NE1",
    )
    case = services.case_open(
        actor=helper_a,
        channel="phone",
        topic="",
        summary="Hỏi trợ cấp người cao tuổi",
        appointment=appointment,
    )
    assert (case.name, case.topic, case.corner) == ("Bà Chín", "benefits", corner_a)

    services.case_close(case=case, actor=helper_a, outcome="done")

    appointment.refresh_from_db()
    assert appointment.status == "done"


def test_it_opens_a_case_from_a_registry_person_of_the_commune_only(  # type: ignore[no-untyped-def]
    client, helper_a, corner_a, sa_quan, make_person, commune_b
) -> None:
    login(client, helper_a)
    url = reverse("help:case_open") + f"?person={sa_quan.pk}"
    assert client.get(url).context["form"].initial["name"] == "Thạch Thị Sà Quân"

    client.post(
        url,
        {
            "person": sa_quan.pk,
            "corner": corner_a.pk,
            "channel": "home_visit",
            "topic": "hi_app",
            "summary": "Cài VssID tại nhà",
        },
    )

    assert Case.objects.get().person == sa_quan
    other = make_person(commune_b, "Lâm Văn Bé")
    assert client.get(reverse("help:case_open") + f"?person={other.pk}").status_code == 404
