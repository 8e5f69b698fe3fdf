"""Read the articles kept in the repository (knowledge/content/*.md) and load them.

Each file is Markdown with a YAML front matter block between two `---` lines: slug, title,
summary, topic, audience, legal_source, reviewed_on (YYYY-MM-DD), related_policies and a list
of `phrasings` (the ways people ask the question). The body below is the article.
"""

from __future__ import annotations

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
