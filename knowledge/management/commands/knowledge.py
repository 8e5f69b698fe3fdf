"""`langso knowledge load|audio`: load the repository's articles and lessons; make their audio.

`load` publishes knowledge/content/*.md and loads knowledge/lessons/*/ (safe to repeat); the
audio of what changed is made by the background worker. `audio` makes the missing audio now, in
this process (`--all` makes every reading again, for instance after espeak-ng was upgraded).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knowledge import services
from knowledge.loading import CONTENT_DIR, LESSONS_DIR, ContentError, load_all, load_lessons
from knowledge.voice import VoiceError


class Command(BaseCommand):
    help = (
        "Knowledge base tasks. `load` publishes the articles in knowledge/content/ and the "
        "lessons in knowledge/lessons/; `audio` makes their audio now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create or update the articles and lessons.")
        load.add_argument("--dir", type=Path, default=CONTENT_DIR, help="Folder of .md files.")
        load.add_argument(
            "--lessons-dir", type=Path, default=LESSONS_DIR, help="Folder of lesson folders."
        )
        audio = sub.add_parser("audio", help="Make the audio of articles and lesson steps now.")
        which = audio.add_mutually_exclusive_group()
        which.add_argument(
            "--missing",
            action="store_true",
            help="Only what has no audio for its current words (the default).",
        )
        which.add_argument(
            "--all", action="store_true", help="Read everything again, even unchanged text."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "audio":
            self._audio(rebuild=options["all"])
            return
        try:
            outcomes = load_all(options["dir"])
            lessons = load_lessons(options["lessons_dir"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Đã nạp bài viết / articles loaded: {outcomes['created']} mới / created, "
            f"{outcomes['updated']} cập nhật / updated, "
            f"{outcomes['unchanged']} không đổi / unchanged."
        )
        self.stdout.write(
            f"Đã nạp bài học / lessons loaded: {lessons['created']} mới / created, "
            f"{lessons['updated']} cập nhật / updated, "
            f"{lessons['unchanged']} không đổi / unchanged."
        )

    def _audio(self, *, rebuild: bool) -> None:
        started = time.monotonic()
        try:
            counts = services.audio_build(rebuild=rebuild)
        except VoiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Âm thanh / audio: {counts.get('synthesised', 0)} đọc mới / synthesised, "
            f"{counts.get('cached', 0) + counts.get('ready', 0)} đã có / already there, "
            f"{counts.get('failed', 0)} lỗi / failed "
            f"({time.monotonic() - started:.1f} s)."
        )
        if counts.get("failed"):
            raise CommandError(
                "Một số bài chưa có âm thanh; xem nhật ký để biết lý do. / Some audio failed; "
                "see the log for why."
            )
