"""Read the articles (knowledge/content/*.md) and lessons (knowledge/lessons/) kept in the
repository, and load them.

Each file is Markdown with a YAML front matter block between two `---` lines: slug, title,
summary, topic, audience, legal_source, reviewed_on (YYYY-MM-DD), related_policies and a list
of `phrasings` (the ways people ask the question). The body below is the article.

A lesson is a folder knowledge/lessons/<slug>/ with a lesson.md and one SVG picture per step.
Its front matter has slug, skill (the stable code other apps record), title, summary, topic,
needs (what to bring), practice (the task a learner shows a helper), and optionally articles
(related article slugs), position and reviewed_on. Each step starts with "## N. Title", names its
picture with "![description](file.svg)" and then has a few short lines of text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
REQUIRED = ("slug", "title", "summary", "topic", "phrasings")
ALLOWED = {*REQUIRED, "audience", "language", "legal_source", "reviewed_on", "related_policies"}


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file and the fix."""


@dataclass(frozen=True)
class ContentFile:
    path: Path
    fields: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.fields["slug"])


def parse(path: Path) -> ContentFile:
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n---\n", 1)
    if not text.startswith("---\n") or len(parts) != 2:
        raise ContentError(
            f"{path.name}: thiếu phần đầu '---' ... '---'. / missing the '---' front matter block."
        )
    try:
        meta = yaml.safe_load(parts[0][4:]) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: phần đầu sai cú pháp YAML / bad YAML: {exc}") from exc
    missing = [k for k in REQUIRED if not meta.get(k)]
    unknown = sorted(set(meta) - ALLOWED)
    if missing or unknown:
        raise ContentError(
            f"{path.name}: thiếu / missing {missing}; không biết / unknown {unknown}."
        )
    reviewed = meta.get("reviewed_on")
    if reviewed is not None and not isinstance(reviewed, date):
        raise ContentError(
            f"{path.name}: reviewed_on phải có dạng YYYY-MM-DD / must be YYYY-MM-DD."
        )
    fields = {
        **meta,
        "phrasings": [str(p) for p in meta["phrasings"]],
        "body": parts[1].strip(),
    }
    return ContentFile(path=path, fields=fields)


def read_all(directory: Path = CONTENT_DIR) -> list[ContentFile]:
    files = [parse(path) for path in sorted(directory.glob("*.md"))]
    twice = [slug for slug, n in Counter(f.slug for f in files).items() if n > 1]
    if twice:
        raise ContentError(f"slug trùng / slugs used twice: {twice}")
    return files


def load_all(directory: Path = CONTENT_DIR) -> Counter[str]:
    """Load every file; returns how many were created, updated and unchanged."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from knowledge import services

    outcomes: Counter[str] = Counter()
    # All or nothing: a bad file leaves the published articles as they were.
    with transaction.atomic():
        for item in read_all(directory):
            try:
                outcome = services.article_import(source=item.path.name, **item.fields)
            except ValidationError as exc:
                raise ContentError(f"{item.path.name}: {'; '.join(exc.messages)}") from exc
            outcomes[outcome] += 1
    return outcomes


# Lessons --------------------------------------------------------------------------------------

LESSONS_DIR = Path(__file__).resolve().parent / "lessons"
LESSON_REQUIRED = ("slug", "skill", "title", "summary", "topic", "practice", "needs")
LESSON_ALLOWED = {*LESSON_REQUIRED, "articles", "position", "reviewed_on"}
MIN_STEPS, MAX_STEPS = 4, 8
MAX_PICTURE_BYTES = 8 * 1024
_PICTURE = re.compile(r"^!\[([^\]]+)\]\(([\w.-]+\.svg)\)$")
_STEP_HEADING = re.compile(r"^##\s+(?:\d+[.)]\s*)?(.+)$")
_UNSAFE_SVG = re.compile(
    r"(?i)<script|<foreignobject|\son\w+\s*=|javascript:|href\s*=\s*[\"'](?!#)"
)


@dataclass(frozen=True)
class LessonFile:
    path: Path
    fields: dict[str, Any]
    steps: list[dict[str, str]]
    source_hash: str

    @property
    def slug(self) -> str:
        return str(self.fields["slug"])


def _picture(folder: Path, name: str, where: str) -> str:
    path = folder / name
    if not path.is_file():
        raise ContentError(f"{where}: không có tệp hình {name} / picture {name} is missing.")
    data = path.read_bytes()
    if len(data) > MAX_PICTURE_BYTES:
        raise ContentError(
            f"{where}: hình {name} nặng {len(data)} byte, tối đa {MAX_PICTURE_BYTES}; hãy vẽ đơn "
            f"giản hơn. / picture {name} is {len(data)} bytes, at most {MAX_PICTURE_BYTES}."
        )
    svg = data.decode("utf-8")
    if "<svg" not in svg or _UNSAFE_SVG.search(svg):
        raise ContentError(
            f"{where}: {name} phải là SVG đơn giản, không có script hay liên kết ngoài. / "
            f"{name} must be a plain SVG without scripts or outside links."
        )
    return svg


def parse_lesson(path: Path) -> LessonFile:
    """Read knowledge/lessons/<slug>/lesson.md and the pictures its steps name."""
    where = f"{path.parent.name}/{path.name}"
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n---\n", 1)
    if not text.startswith("---\n") or len(parts) != 2:
        raise ContentError(f"{where}: thiếu phần đầu '---' / missing the '---' front matter.")
    try:
        meta = yaml.safe_load(parts[0][4:]) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{where}: phần đầu sai cú pháp YAML / bad YAML: {exc}") from exc
    missing = [k for k in LESSON_REQUIRED if not meta.get(k)]
    unknown = sorted(set(meta) - LESSON_ALLOWED)
    if missing or unknown:
        raise ContentError(f"{where}: thiếu / missing {missing}; không biết / unknown {unknown}.")
    if meta["slug"] != path.parent.name:
        raise ContentError(f"{where}: slug phải trùng tên thư mục / slug must match the folder.")
    steps: list[dict[str, str]] = []
    digest = hashlib.sha256(text.encode("utf-8"))
    for line in parts[1].strip().split("\n"):
        heading = _STEP_HEADING.match(line.strip())
        if heading:
            steps.append({"title": heading.group(1).strip(), "text": "", "alt": "", "svg": ""})
            continue
        if not steps:
            if line.strip():
                raise ContentError(f"{where}: nội dung trước bước đầu tiên / text before step 1.")
            continue
        picture = _PICTURE.match(line.strip())
        if picture:
            steps[-1]["alt"] = picture.group(1).strip()
            steps[-1]["svg"] = _picture(path.parent, picture.group(2), where)
            digest.update(steps[-1]["svg"].encode("utf-8"))
        else:
            steps[-1]["text"] += line + "\n"
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise ContentError(
            f"{where}: cần {MIN_STEPS}–{MAX_STEPS} bước, có {len(steps)}. / needs "
            f"{MIN_STEPS} to {MAX_STEPS} steps, has {len(steps)}."
        )
    for number, step in enumerate(steps, start=1):
        step["text"] = step["text"].strip()
        if not step["text"] or not step["svg"]:
            raise ContentError(
                f"{where}: bước {number} cần lời hướng dẫn và một hình ![mô tả](tệp.svg). / "
                f"step {number} needs text and a picture ![description](file.svg)."
            )
    fields = {
        **meta,
        "needs": [str(n) for n in meta["needs"]],
        "articles": [str(a) for a in meta.get("articles") or []],
    }
    return LessonFile(path=path, fields=fields, steps=steps, source_hash=digest.hexdigest())


def read_lessons(directory: Path = LESSONS_DIR) -> list[LessonFile]:
    lessons = [parse_lesson(path) for path in sorted(directory.glob("*/lesson.md"))]
    for key in ("slug", "skill"):
        twice = [v for v, n in Counter(str(item.fields[key]) for item in lessons).items() if n > 1]
        if twice:
            raise ContentError(f"{key} trùng / used twice: {twice}")
    return lessons


def load_lessons(directory: Path = LESSONS_DIR) -> Counter[str]:
    """Load every lesson; returns how many were created, updated and unchanged."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from knowledge import services

    outcomes: Counter[str] = Counter()
    with transaction.atomic():
        for item in read_lessons(directory):
            try:
                outcome = services.lesson_import(
                    fields=item.fields, steps=item.steps, source_hash=item.source_hash
                )
            except ValidationError as exc:
                where = f"{item.path.parent.name}/{item.path.name}"
                raise ContentError(f"{where}: {'; '.join(exc.messages)}") from exc
            outcomes[outcome] += 1
    return outcomes
