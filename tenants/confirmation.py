"""The step before an action that cannot be undone: the server asks, whatever the browser runs.

A form that does such an action posts to its view; without `confirm=yes` in the POST the view answers
with a page saying what will be fixed for good, whose button posts again with the confirmation. So a
stray click, a replayed form or a script that skips the page never does the action unasked.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirm"


def confirmation_step(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    button: str,
    cancel_url: str,
    in_unit: bool = True,
) -> HttpResponse | None:
    """None when the request carries the confirmation (go ahead), else the page that asks for it."""
    if request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes":
        return None
    template = "console/confirm_unit.html" if in_unit else "console/confirm.html"
    context = {
        "title": title,
        "consequences": consequences,
        "button": button,
        "cancel_url": cancel_url,
        "action_url": request.path,
        "confirm_field": CONFIRM_FIELD,
    }
    return render(request, template, context)
