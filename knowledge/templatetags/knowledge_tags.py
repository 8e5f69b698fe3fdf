"""Template filters of the knowledge pages."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from knowledge.markdown import render

register = template.Library()


@register.filter
def markdown(source: str) -> SafeString:
    """Article Markdown as HTML; the renderer escapes everything first."""
    return mark_safe(render(source or ""))  # noqa: S308 - escaped by the renderer
