"""Template filters for account pages."""

from __future__ import annotations

from django import template

from lib import phone as phone_lib

register = template.Library()


@register.filter
def phone_display(value: str | None) -> str:
    """+84912345678 → 0912 345 678, the form people recognise."""
    return phone_lib.display(value) if value else ""
