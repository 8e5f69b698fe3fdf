"""Small helpers to make articles in tests through the services."""

from __future__ import annotations

from typing import Any

from knowledge import services
from knowledge.models import Article


def draft(actor: Any, commune: Any = None, **fields: Any) -> Article:
    values: dict[str, Any] = {
        "title": "Thẻ bảo hiểm y tế cho hộ nghèo",
        "summary": "Người thuộc hộ nghèo được Nhà nước đóng bảo hiểm y tế.",
        "body": "## Ai được\n\n1. Người thuộc hộ nghèo.\n2. Trẻ em dưới 6 tuổi.",
        "topic": "health",
        "phrasings": ["hộ nghèo có được thẻ bhyt không"],
    }
    values.update(fields)
    return services.article_create(actor=actor, commune=commune, **values)


def published(author: Any, reviewer: Any, commune: Any = None, **fields: Any) -> Article:
    article = draft(author, commune, **fields)
    services.article_submit(actor=author, article=article)
    services.article_publish(actor=reviewer, article=article)
    article.refresh_from_db()
    return article
