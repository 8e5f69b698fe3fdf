"""Template filters of the registry: masked ID numbers, phone numbers, đồng amounts."""

from __future__ import annotations

from django import template

from lib import personal_id as pid_lib
from lib import phone as phone_lib
from lib.money import format_vnd

register = template.Library()


@register.filter
def mask_id(number: str | None) -> str:
    """•••••••••123: enough to tell people apart on a list, not enough to misuse."""
    return pid_lib.mask(number) if number else ""


@register.filter
def phone(number: str | None) -> str:
    return phone_lib.display(number) if number else ""


@register.filter
def vnd(amount: int | None) -> str:
    return format_vnd(amount)
