"""Attachments: photos of documents and voice notes, checked by content, served privately."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import AuditEntry
from conftest import login
from help import case_services as services
from help.models import Attachment
from help.tests import case_factories as factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(helper_a, commune_a):  # type: ignore[no-untyped-def]
    return factories.case(helper_a, factories.corner(commune_a))


def _photo(fmt: str = "JPEG", name: str = "giay-to.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 150)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


VOICE_NOTES = {
    "zalo.m4a": (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 64, "audio/mp4"),
    "ghi-am.amr": (b"#!AMR\n" + b"\x3c" * 64, "audio/amr"),
    "ghi-am.ogg": (b"OggS\x00\x02" + b"\x00" * 64, "audio/ogg"),
    "ghi-am.mp3": (b"ID3\x04\x00" + b"\x00" * 64, "audio/mpeg"),
    "ghi-am.wav": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64, "audio/wav"),
    "raw.aac": (b"\xff\xf1\x50\x80" + b"\x00" * 64, "audio/aac"),
}


@pytest.mark.parametrize("name", sorted(VOICE_NOTES))
def test_it_accepts_the_voice_notes_phones_record(helper_a, case, name) -> None:  # type: ignore[no-untyped-def]
    content, content_type = VOICE_NOTES[name]
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    attachment = services.attachment_add(case=case, actor=helper_a, upload=upload)

    assert attachment.kind == "audio" and attachment.content_type == content_type
    assert name.rsplit(".", 1)[0] not in attachment.file.name  # a random name on disk


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_accepts_photos_whatever_their_name_says(helper_a, case, fmt) -> None:  # type: ignore[no-untyped-def]
    attachment = services.attachment_add(
        case=case, actor=helper_a, upload=_photo(fmt, "anh.bin"), description="CCCD mặt trước"
    )
    assert attachment.kind == "image" and attachment.content_type == f"image/{fmt.lower()}"


def test_it_refuses_a_file_that_is_not_a_photo_or_a_voice_note(helper_a, case) -> None:  # type: ignore[no-untyped-def]
    fake = SimpleUploadedFile(
        "anh.jpg", b"<html><script>alert(1)</script>", content_type="image/jpeg"
    )
    truncated = SimpleUploadedFile("anh.jpg", _photo().read()[:40], content_type="image/jpeg")

    for upload in (fake, truncated):
        with pytest.raises(ValidationError) as refused:
            services.attachment_add(case=case, actor=helper_a, upload=upload)
        assert "Only photos (JPEG, PNG, WebP)" in refused.value.message_dict["file"][0]
    assert not Attachment.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(helper_a, case, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HELP_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("anh.jpg", b"\xff\xd8" + b"\x00" * 1_200_000)

    with pytest.raises(ValidationError) as refused:
        services.attachment_add(case=case, actor=helper_a, upload=big)

    message = refused.value.message_dict["file"][0]
    assert "1.1 MB" in message and "over the 1 MB limit" in message


def test_the_page_explains_a_refused_upload(client, helper_a, case, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HELP_ATTACHMENT_MAX_BYTES = 1024 * 1024
    login(client, helper_a)
    big = SimpleUploadedFile("anh.jpg", b"\xff\xd8" + b"\x00" * 1_200_000)

    response = client.post(reverse("help:case_attachment_add", args=[case.pk]), {"file": big})

    assert response.status_code == 400
    assert "lower resolution" in response.content.decode()


def test_it_serves_an_attachment_only_to_the_cases_commune(  # type: ignore[no-untyped-def]
    client, helper_a, officer_a, officer_b, case
) -> None:
    attachment = services.attachment_add(case=case, actor=helper_a, upload=_photo())
    url = reverse("help:case_attachment", args=[case.pk, attachment.pk])

    login(client, officer_b)
    assert client.get(url).status_code == 404
    login(client, officer_a)
    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert AuditEntry.objects.filter(
        object_type="help.case", action="view", actor_label="officer.a"
    ).exists()
