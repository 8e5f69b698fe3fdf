"""`langso search "..."`: print the knowledge articles that best answer a question."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from knowledge import selectors
from knowledge.search import check_query
from knowledge.views import problem_message


class Command(BaseCommand):
    help = "Search the published knowledge articles the way the citizen site does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", help="The question, with or without diacritics.")
        parser.add_argument("--limit", type=int, default=5, help="How many results (1-50).")

    def handle(self, *args: Any, **options: Any) -> None:
        query = options["query"]
        problem = check_query(query)
        if problem:
            vi, en = problem_message(problem)
            raise CommandError(f"{vi} / {en}")
        results = selectors.search_articles(query, limit=max(1, min(options["limit"], 50)))
        if not results:
            self.stdout.write("Không tìm thấy bài nào. / No article found.")
        for rank, (found, hit) in enumerate(results, start=1):
            self.stdout.write(
                f"{rank}. {found.published_version.title}  [{hit.score:.2f}]  /knowledge/a/{found.slug}/"
            )
            self.stdout.write(f"   {hit.snippet}")
