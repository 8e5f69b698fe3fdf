"""Pages of the benefits app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from benefits import presenters, selectors
from benefits.forms import ScreenerForm


@never_cache
def screener(request: HttpRequest) -> HttpResponse:
    """Which support a person may get, from facts typed in. Nothing is stored.

    The answers come by POST and the result is shown in the response rather than after a
    redirect: a redirect would need the answers (health and poverty facts among them) in the
    URL or the session, and nothing here is written, so there is nothing to repeat by mistake.
    """
    form = ScreenerForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["day"]
        results, summary = selectors.screen(form.facts(), day)
        context.update(
            day=day,
            blocks=presenters.policy_blocks(results),
            summary=presenters.summary_block(summary),
        )
    return render(request, "benefits/screener.html", context)
