from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from knowledge.loading import CONTENT_DIR, read_all
from knowledge.models import Article, ArticleVersion, Status


def test_it_keeps_at_least_80_well_formed_articles():
    files = read_all()
    assert len(files) >= 80
    for item in files:
        assert item.path.name == f"{item.slug}.md"
        assert 2 <= len(item.fields["phrasings"]) <= 4, item.slug
        assert item.fields["reviewed_on"], item.slug


def test_it_loads_the_content_idempotently(db):
    out = StringIO()
    call_command("knowledge", "load", stdout=out)
    count = len(list(CONTENT_DIR.glob("*.md")))
    assert f"{count} mới / created" in out.getvalue()
    assert Article.objects.filter(status=Status.PUBLISHED).count() == count
    out = StringIO()
    call_command("knowledge", "load", stdout=out)
    assert f"{count} không đổi / unchanged" in out.getvalue()
    assert ArticleVersion.objects.count() == count


def test_it_names_the_file_and_the_problem_in_bad_content(db, tmp_path: Path):
    (tmp_path / "bad.md").write_text("---\ntitle: x\n---\nbody", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.md: thiếu / missing \['slug', 'summary'"):
        call_command("knowledge", "load", "--dir", str(tmp_path))
    assert not Article.objects.exists()


def test_it_prints_the_top_results(db):
    call_command("knowledge", "load", stdout=StringIO())
    out = StringIO()
    call_command("search", "tien gia 75 tuoi", stdout=out)
    first = out.getvalue().splitlines()[0]
    assert first.startswith("1. ") and "/knowledge/a/" in first


def test_it_refuses_a_bad_query_on_the_command_line(db):
    with pytest.raises(CommandError, match="Hãy nhập câu hỏi"):
        call_command("search", "   ")
