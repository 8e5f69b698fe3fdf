"""Posted forms handed to a service, as the apps' views do it.

A view builds its form, then either `save_posted` (the form is on the page: a refusal shows on
the form, which is rendered again) or `apply_posted` (a small form posted from another page: the
outcome is flashed and the view redirects back). Both return a `Saved` holding what the service
returned, or None when nothing was saved, so the view only says what happens next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What the service returned for a posted form it accepted."""

    result: T


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the fields it names, or on the form as a whole."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def save_posted(
    request: HttpRequest,
    form: BaseForm,
    save: Callable[[dict[str, Any]], T],
    *,
    on_refusal: Callable[[BaseForm, ValidationError], None] = add_service_errors,
) -> Saved[T] | None:
    """When the form was posted and is valid, give its data to `save` (which calls a service).

    A refusal by the service (ValidationError) goes on the form through `on_refusal`. None when
    nothing was saved: the view renders the form again, with its errors if it was posted.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Saved(save(form.cleaned_data))
    except ValidationError as error:
        on_refusal(form, error)
        return None


def flash_errors(request: HttpRequest, problems: Any) -> None:
    """Each problem as an error message: a ValidationError's messages, or a form's errors."""
    if isinstance(problems, ValidationError):
        lines = problems.messages
    else:
        lines = [message for errors in problems.errors.values() for message in errors]
    for line in lines:
        messages.error(request, line)


def apply_posted(
    request: HttpRequest,
    form: BaseForm,
    apply: Callable[[dict[str, Any]], T],
    done: str,
) -> Saved[T] | None:
    """Give a valid posted form's data to `apply`, and flash the outcome: `done`, or each problem
    with the form or each reason the service refused. None when nothing was applied."""
    if not form.is_valid():
        flash_errors(request, form)
        return None
    try:
        result = apply(form.cleaned_data)
    except ValidationError as error:
        flash_errors(request, error)
        return None
    messages.success(request, done)
    return Saved(result)
