"""Digital-skills lessons: content files, loading, pages one step at a time, step audio."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from knowledge import selectors
from knowledge.loading import (
    LESSONS_DIR,
    MAX_PICTURE_BYTES,
    ContentError,
    parse_lesson,
    read_lessons,
)
from knowledge.models import Audio, Lesson, LessonStep


def test_it_keeps_at_least_8_lessons_of_4_to_8_steps_with_small_described_pictures():
    lessons = read_lessons()
    assert len(lessons) >= 8
    for lesson in lessons:
        assert 4 <= len(lesson.steps) <= 8, lesson.slug
        for step in lesson.steps:
            assert step["alt"] and step["text"]
            assert len(step["svg"].encode()) < MAX_PICTURE_BYTES
            assert "<title>" in step["svg"]


NO_ARTICLES = Path(__file__).parent / "no-articles"


@pytest.fixture
def loaded(db):
    # Lessons only: loading the 81 articles as well would make each test seconds slower.
    call_command("knowledge", "load", "--dir", str(NO_ARTICLES), stdout=StringIO())


def test_it_loads_lessons_idempotently_and_lists_their_skills(loaded):
    count = len(read_lessons())
    assert Lesson.objects.count() == count
    out = StringIO()
    call_command("knowledge", "load", "--dir", str(NO_ARTICLES), stdout=out)
    assert f"{count} không đổi / unchanged" in out.getvalue().splitlines()[1]
    skills = selectors.lessons()
    assert (
        "dang-ky-vneid-muc-2",
        "Đăng ký tài khoản định danh điện tử mức 2 (VNeID)",
        "vneid-level-2",
    ) in skills
    assert len({skill for _slug, _title, skill in skills}) == count


def test_it_refuses_to_change_a_lessons_skill_code(loaded, tmp_path: Path):
    source = Path(read_lessons()[0].path).parent
    copy = tmp_path / source.name
    copy.mkdir()
    for item in source.iterdir():
        text = item.read_text(encoding="utf-8")
        if item.name == "lesson.md":
            text = text.replace(f"skill: {read_lessons()[0].fields['skill']}", "skill: renamed")
        (copy / item.name).write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="không được đổi"):
        call_command(
            "knowledge",
            "load",
            "--dir",
            str(NO_ARTICLES),
            "--lessons-dir",
            str(tmp_path),
            stdout=StringIO(),
        )


def test_it_refuses_a_picture_with_a_script(tmp_path: Path):
    folder = tmp_path / "bai"
    folder.mkdir()
    steps = "\n".join(f"## {n}. Bước\n\n![Hình](a.svg)\n\nLàm việc {n}.\n" for n in range(1, 5))
    (folder / "lesson.md").write_text(
        "---\nslug: bai\nskill: bai\ntitle: T\nsummary: S\ntopic: safety\npractice: P\n"
        "needs: [a]\n---\n" + steps,
        encoding="utf-8",
    )
    (folder / "a.svg").write_text("<svg><script>alert(1)</script></svg>", encoding="utf-8")
    with pytest.raises(ContentError, match="không có script"):
        parse_lesson(folder / "lesson.md")


def test_it_shows_one_step_at_a_time_with_links_either_way(client, loaded):
    url = reverse("knowledge:lesson_step", args=["goi-video-zalo", 2])
    page = client.get(url).content.decode()
    assert page.count("<h1>") == 1
    assert reverse("knowledge:lesson_step", args=["goi-video-zalo", 1]) in page
    assert reverse("knowledge:lesson_step", args=["goi-video-zalo", 3]) in page
    assert 'alt="Hình danh sách tin nhắn Zalo' in page
    assert (
        client.get(reverse("knowledge:lesson_step", args=["goi-video-zalo", 99])).status_code == 404
    )


def test_it_serves_pictures_as_sandboxed_svg(client, loaded):
    response = client.get(reverse("knowledge:lesson_picture", args=["goi-video-zalo", 1]))
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_prints_every_step_on_one_sheet(client, loaded):
    page = client.get(reverse("knowledge:lesson_print", args=["tra-tien-dien-nuoc"])).content
    steps = LessonStep.objects.filter(lesson__slug="tra-tien-dien-nuoc").count()
    assert page.decode().count('class="knowledge-sheet"') == 1
    assert page.decode().count('.svg" alt=') == steps


def test_it_filters_the_lesson_list_by_topic(client, loaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = client.get(reverse("knowledge:lesson_list"), {"topic": "safety"}).content.decode()
    assert "Nhận biết và tránh lừa đảo" in page
    assert "Gọi video cho người thân" not in page


def test_it_links_lessons_from_search_results_and_articles(client, db):
    call_command("knowledge", "load", stdout=StringIO())
    page = client.get(reverse("knowledge:search"), {"q": "kich hoat vneid"}).content.decode()
    assert reverse("knowledge:lesson", args=["dang-ky-vneid-muc-2"]) in page
    article = client.get(reverse("knowledge:article", args=["kich-hoat-vneid"])).content.decode()
    assert reverse("knowledge:lesson", args=["cai-dat-dang-nhap-vneid"]) in article


def test_it_reads_each_step_aloud(db, django_capture_on_commit_callbacks, client, tmp_path):
    # One lesson is enough to show every step gets its reading; all eight take ~20 s.
    shutil.copytree(LESSONS_DIR / "goi-video-zalo", tmp_path / "goi-video-zalo")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "knowledge",
            "load",
            "--dir",
            str(NO_ARTICLES),
            "--lessons-dir",
            str(tmp_path),
            stdout=StringIO(),
        )
    assert Audio.objects.filter(step__lesson__slug="goi-video-zalo").count() == (
        LessonStep.objects.filter(lesson__slug="goi-video-zalo").count()
    )
    step = LessonStep.objects.get(lesson__slug="goi-video-zalo", number=5)
    audio = Audio.objects.get(step=step)
    assert audio.state == Audio.State.READY
    page = client.get(reverse("knowledge:lesson_step", args=["goi-video-zalo", 5])).content
    assert b'<audio controls preload="none"' in page
