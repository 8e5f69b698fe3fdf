"""Ask a question: by text or voice with a phone number, answered by SMS, read on the site."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import login
from help import case_services as services
from help.models import Case
from help.tests import case_factories as factories
from knowledge.models import Article
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def corner_a(commune_a):  # type: ignore[no-untyped-def]
    factories.corner(commune_a, name="Điểm khóm 1", topics=["vneid"])
    return factories.corner(commune_a, name="Điểm khóm 5", topics=["question"])


def _ask(client, commune, **extra):  # type: ignore[no-untyped-def]
    data = {
        "commune": commune.pk,
        "name": "Chị Hai",
        "phone": "0912 111 222",
        "text": "Làm thẻ bảo hiểm y tế cho con ở đâu?",
    }
    data.update(extra)
    return client.post(reverse("help:ask"), data)


def test_a_citizen_asks_and_reads_the_answer_with_the_code(
    client, helper_a, corner_a, commune_a
) -> None:  # type: ignore[no-untyped-def]
    response = _ask(client, commune_a)

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.topic == "question" and case.corner == corner_a and case.channel == "online"
    code = services.case_code(case)
    assert code in Message.objects.get().body
    assert code in client.get(reverse("help:ask_sent")).content.decode()

    services.question_answer(
        case=case, actor=helper_a, answer="Mang giấy khai sinh đến UBND phường.", channel="zalo"
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.answered_at is not None
    sent = Message.objects.get(channel="zalo")
    assert sent.recipient == "+84912111222" and "giấy khai sinh" in sent.body

    page = client.post(reverse("help:ask_answer"), {"code": code, "phone": "0912111222"})
    assert "Mang giấy khai sinh" in page.content.decode()
    wrong = client.post(reverse("help:ask_answer"), {"code": code, "phone": "0912111223"})
    assert wrong.context["not_found"] and "giấy khai sinh" not in wrong.content.decode()


def test_it_takes_a_recorded_question_and_refuses_other_files(client, commune_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    voice = SimpleUploadedFile("cau-hoi.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64)
    assert _ask(client, commune_a, text="", audio=voice).status_code == 302
    assert Case.objects.get().question_audio

    text_file = SimpleUploadedFile("cau-hoi.m4a", b"just some text, not audio")
    refused = _ask(client, commune_a, text="", audio=text_file)
    assert refused.status_code == 200
    assert "not a voice recording" in refused.content.decode()
    empty = _ask(client, commune_a, text="")
    assert "Type your question, or record it" in empty.content.decode()
    assert Case.objects.count() == 1


def test_it_refuses_a_question_without_a_usable_phone_number(client, commune_a, corner_a) -> None:  # type: ignore[no-untyped-def]
    response = _ask(client, commune_a, phone="12345")

    assert response.status_code == 200 and not Case.objects.exists()
    assert "0912 345 678" in response.content.decode()


def test_an_officer_turns_an_answer_into_an_faq_draft(  # type: ignore[no-untyped-def]
    client, helper_a, officer_a, commune_a, corner_a
) -> None:
    _ask(client, commune_a)
    case = Case.objects.get()
    services.question_answer(case=case, actor=helper_a, answer="Mang giấy khai sinh đến UBND.")

    with pytest.raises(PermissionDenied):
        services.answer_to_faq(case=case, actor=helper_a)
    login(client, officer_a)
    response = client.post(reverse("help:case_faq", args=[case.pk]))

    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/editor/{article.pk}/")
    assert article.status == "draft" and article.commune_id == commune_a.pk
    assert article.title == "Làm thẻ bảo hiểm y tế cho con ở đâu?"
    assert list(article.phrasings.values_list("text", flat=True)) == [article.title]


def test_it_refuses_the_faq_button_and_audio_to_others(  # type: ignore[no-untyped-def]
    client, helper_a, officer_b, commune_a, corner_a
) -> None:
    _ask(client, commune_a)
    case = Case.objects.get()
    login(client, helper_a)
    assert client.post(reverse("help:case_faq", args=[case.pk])).status_code == 403
    login(client, officer_b)
    assert client.post(reverse("help:case_faq", args=[case.pk])).status_code == 404
    assert client.get(reverse("help:case_question_audio", args=[case.pk])).status_code == 404
    assert not Article.objects.exists()


def test_a_helper_writes_down_a_question_for_someone_of_their_commune_only(  # type: ignore[no-untyped-def]
    client, helper_a, commune_a, commune_b, corner_a
) -> None:
    login(client, helper_a)
    assert _ask(client, commune_b).status_code == 200
    assert not Case.objects.exists()
    with pytest.raises(PermissionDenied):
        services.question_ask(
            commune=commune_b, name="X", phone="0912111222", text="Hỏi", asked_by=helper_a
        )

    assert _ask(client, commune_a).status_code == 302
    assert Case.objects.get().opened_by == helper_a
