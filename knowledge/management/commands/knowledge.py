"""`langso knowledge load`: load the articles kept in knowledge/content/ (safe to repeat)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knowledge.loading import CONTENT_DIR, ContentError, load_all


class Command(BaseCommand):
    help = "Knowledge base tasks. `load` publishes the articles in knowledge/content/."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create or update the articles from Markdown files.")
        load.add_argument("--dir", type=Path, default=CONTENT_DIR, help="Folder of .md files.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcomes = load_all(options["dir"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Đã nạp bài viết / articles loaded: {outcomes['created']} mới / created, "
            f"{outcomes['updated']} cập nhật / updated, "
            f"{outcomes['unchanged']} không đổi / unchanged."
        )
