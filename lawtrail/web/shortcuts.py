"""Helpers every page uses: who is asking, and how an action's error reaches the user.

An action that raises has changed nothing (it runs in one transaction); the page shows the
error's message with the error's status code (422, 403, 404 or 409).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer
from lawtrail.agencies.scope import can_administer, officer_of
from lawtrail.errors import ActionError, Forbidden, Invalid, Refused

View = TypeVar("View", bound=Callable[..., HttpResponse])


def error_page(request: HttpRequest, error: ActionError) -> HttpResponse:
    """A whole page for an error that leaves nothing to show (403, 404)."""
    return render(request, "web/error.html", {"error": error}, status=error.status)


def shows_action_errors(view: View) -> View:
    """Turn NotFound/Forbidden raised while loading a page into a page with that status."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ActionError as error:
            return error_page(request, error)

    return wrapper  # type: ignore[return-value]


def page(view: View) -> View:
    """A page for logged-in people; action errors become pages with their status."""
    return login_required(shows_action_errors(view))


def admin_page(view: View) -> View:
    """A page for system administrators only (lawtrail.agencies.scope.can_administer)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_administer(request.user):
            raise Forbidden(_("Only system administrators manage agencies and people."))
        return view(request, *args, **kwargs)

    return page(cast(View, wrapper))


def current_officer(request: HttpRequest) -> Officer | None:
    return officer_of(request.user)


def apply_error(error: ActionError, form: forms.Form | None = None) -> None:
    """Put an action's error on the fields it names; the page shows its message on top."""
    if form is None or not isinstance(error, Invalid):
        return
    for name, messages in error.fields.items():
        if name in form.fields and not form.has_error(name):
            form.add_error(name, messages[0] if messages else error.message)


def form_status(error: ActionError | None, form: forms.BaseForm | None = None) -> int:
    """The status of a re-shown form: the action's error, or 422 for the form's own checks."""
    if error is not None:
        return error.status
    if form is not None and form.errors:
        return 422
    return 200


def unmet_of(error: ActionError | None) -> list[Any]:
    return list(error.unmet) if isinstance(error, Refused) else []
