"""Audio of articles: synthesis with the real espeak-ng and opusenc, caching, recordings."""

from __future__ import annotations

import io
import shutil
import struct
import wave
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEntry
from conftest import login
from knowledge import services, voice
from knowledge.models import Audio
from knowledge.tests.factories import published


def test_it_has_the_speech_programs_installed():
    # Fails loudly instead of skipping: `make test` installs them through scripts/system-deps.
    missing = voice.missing_programs()
    assert not missing, f"apt-get install -y {' '.join(missing)}"
    assert shutil.which("espeak-ng") and shutil.which("opusenc")


def _publish(officer_a, province_admin, commune_a, capture, **fields):
    with capture(execute=True):
        article = published(officer_a, province_admin, commune_a, **fields)
    return article


def test_it_reads_a_published_article_aloud_as_small_opus(
    officer_a, province_admin, commune_a, django_capture_on_commit_callbacks
):
    article = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    audio = Audio.objects.get(article=article, kind=Audio.Kind.SYNTHETIC)
    assert audio.state == Audio.State.READY
    data = audio.file.read()
    assert data[:4] == b"OggS" and b"OpusHead" in data[:512]
    assert voice.sniff(data) == "audio/ogg"
    assert audio.duration_seconds and audio.duration_seconds >= 3
    # At most 16 kbit/s: 2 KB a second of speech, plus the Ogg headers.
    assert len(data) <= audio.duration_seconds * 2000 + 4000


def test_it_does_not_read_unchanged_text_twice(
    officer_a, province_admin, commune_a, django_capture_on_commit_callbacks, monkeypatch
):
    first = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    calls = []
    real = voice.synthesise
    monkeypatch.setattr(voice, "synthesise", lambda text: calls.append(text) or real(text))
    # Another article with the same words reuses the stored file.
    second = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    assert calls == []
    one = Audio.objects.get(article=first)
    two = Audio.objects.get(article=second)
    assert one.file.name == two.file.name and two.state == Audio.State.READY


def test_it_reads_the_new_words_after_an_edit_is_published(
    officer_a, province_admin, commune_a, django_capture_on_commit_callbacks
):
    article = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    before = Audio.objects.get(article=article).text_hash
    with django_capture_on_commit_callbacks(execute=True):
        services.article_update(actor=officer_a, article=article, summary="Mức mới 500.000 đồng.")
        services.article_submit(actor=officer_a, article=article)
        services.article_publish(actor=province_admin, article=article)
    after = Audio.objects.get(article=article)
    assert after.text_hash != before and after.state == Audio.State.READY


def test_it_shows_audio_being_prepared_until_the_worker_has_run(
    client, officer_a, province_admin, commune_a
):
    # Without running the commit callbacks, the task has not run yet.
    article = published(officer_a, province_admin, commune_a)
    response = client.get(reverse("knowledge:article", args=[article.slug]))
    assert "Âm thanh đang được chuẩn bị" in response.content.decode()
    assert b"<audio" not in response.content


def test_it_offers_a_player_that_loads_nothing_until_pressed(
    client, officer_a, province_admin, commune_a, django_capture_on_commit_callbacks
):
    article = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    page = client.get(reverse("knowledge:article", args=[article.slug])).content.decode()
    assert '<audio controls preload="none"' in page
    audio = Audio.objects.get(article=article)
    url = reverse("knowledge:audio", args=[audio.pk, audio.download_name])
    assert f'href="{url}" download' in page
    response = client.get(url)
    assert response["Content-Type"] == "audio/ogg"
    assert b"".join(response.streaming_content)[:4] == b"OggS"
    partial = client.get(url, HTTP_RANGE="bytes=0-99")
    assert partial.status_code == 206 and len(partial.content) == 100
    assert partial["Content-Range"] == f"bytes 0-99/{audio.size}"


def test_it_builds_missing_audio_from_the_command_line(officer_a, province_admin, commune_a):
    article = published(officer_a, province_admin, commune_a)
    out = StringIO()
    call_command("knowledge", "audio", "--missing", stdout=out)
    assert "1 đọc mới / synthesised" in out.getvalue()
    assert Audio.objects.get(article=article).state == Audio.State.READY
    out = StringIO()
    call_command("knowledge", "audio", stdout=out)
    assert "0 đọc mới / synthesised, 1 đã có / already there" in out.getvalue()


def test_it_refuses_audio_of_an_unpublished_article(client, officer_a, commune_a):
    from knowledge.tests.factories import draft

    article = draft(officer_a, commune_a)
    audio = Audio.objects.create(
        article=article, kind=Audio.Kind.RECORDING, state=Audio.State.READY, file="x.ogg"
    )
    assert client.get(reverse("knowledge:audio", args=[audio.pk, "x.ogg"])).status_code == 404


# Recordings -----------------------------------------------------------------------------------


def _wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack("<h", 0) * int(8000 * seconds))
    return buffer.getvalue()


def _mp3() -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * 3


def _m4a(handler: bytes = b"soun") -> bytes:
    ftyp = struct.pack(">I", 20) + b"ftypM4A \x00\x00\x00\x00M4A "
    hdlr = struct.pack(">I", 33) + b"hdlr" + b"\x00" * 8 + handler + b"\x00" * 13
    return ftyp + hdlr


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_wav(), "audio/wav"),
        (_mp3(), "audio/mpeg"),
        (_m4a(), "audio/mp4"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 20, "audio/aac"),
        (_m4a(b"vide"), None),
        (b"%PDF-1.7 not audio", None),
        (b"OggS" + b"\x00" * 40 + b"\x80theora", None),
        (b"<html><script>alert(1)</script>", None),
    ],
)
def test_it_recognises_audio_by_its_content(data, expected):
    assert voice.sniff(data) == expected


def _upload(client, article, data, name="doc.mp3", language="km"):
    return client.post(
        reverse("knowledge:staff_recording_add", args=[article.pk]),
        {"file": SimpleUploadedFile(name, data), "language": language, "speaker": "Thạch Thị Sa"},
        follow=True,
    )


def test_it_lists_a_persons_recording_before_the_computer_voice(
    client, officer_a, province_admin, commune_a, django_capture_on_commit_callbacks
):
    article = _publish(officer_a, province_admin, commune_a, django_capture_on_commit_callbacks)
    login(client, officer_a)
    response = _upload(client, article, _wav(2), name="doc-khmer.wav")
    assert "Đã thêm bản ghi âm" in response.content.decode()
    recording = Audio.objects.get(article=article, kind=Audio.Kind.RECORDING)
    assert recording.content_type == "audio/wav" and recording.duration_seconds == 2
    assert AuditEntry.objects.filter(object_type="knowledge.audio", action="create").exists()
    page = client.get(reverse("knowledge:article", args=[article.slug])).content.decode()
    assert page.index("Tiếng Khmer") < page.index("Giọng máy đọc")
    assert 'lang="km"' in page


def test_it_refuses_a_file_that_is_not_audio_whatever_its_name(
    client, officer_a, province_admin, commune_a
):
    article = published(officer_a, province_admin, commune_a)
    login(client, officer_a)
    response = _upload(client, article, b"%PDF-1.7 a document", name="bai-doc.mp3")
    text = response.content.decode()
    assert "không phải là âm thanh" in text and "not audio in a format we accept" in text
    assert not Audio.objects.filter(kind=Audio.Kind.RECORDING).exists()


def test_it_refuses_a_recording_over_the_size_limit(
    client, settings, officer_a, province_admin, commune_a
):
    settings.LANGSO_AUDIO_MAX_BYTES = 1024
    article = published(officer_a, province_admin, commune_a)
    login(client, officer_a)
    response = _upload(client, article, _wav(1))
    text = response.content.decode()
    assert "quá lớn" in text and "too large" in text
    assert not Audio.objects.filter(kind=Audio.Kind.RECORDING).exists()


def test_it_refuses_a_recording_from_another_communes_officer(
    client, officer_a, officer_b, province_admin, commune_a
):
    article = published(officer_a, province_admin, commune_a)
    login(client, officer_b)
    response = client.post(
        reverse("knowledge:staff_recording_add", args=[article.pk]),
        {"file": SimpleUploadedFile("a.wav", _wav()), "language": "vi"},
    )
    assert response.status_code == 404
    assert not Audio.objects.filter(kind=Audio.Kind.RECORDING).exists()


def test_it_refuses_recordings_from_a_citizen(
    client, citizen, officer_a, province_admin, commune_a
):
    article = published(officer_a, province_admin, commune_a)
    login(client, citizen)
    response = client.post(
        reverse("knowledge:staff_recording_add", args=[article.pk]),
        {"file": SimpleUploadedFile("a.wav", _wav()), "language": "vi"},
    )
    assert response.status_code == 403


def test_it_removes_a_recording_and_its_file(
    client, officer_a, officer_b, province_admin, commune_a, django_capture_on_commit_callbacks
):
    article = published(officer_a, province_admin, commune_a)
    login(client, officer_a)
    _upload(client, article, _wav())
    recording = Audio.objects.get(kind=Audio.Kind.RECORDING)
    url = reverse("knowledge:staff_recording_remove", args=[article.pk, recording.pk])
    login(client, officer_b)
    assert client.post(url).status_code == 404
    login(client, officer_a)
    storage = recording.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert not Audio.objects.filter(pk=recording.pk).exists()
    assert not storage.exists(recording.file.name)
