"""Pages: case files ready to archive, packages and their 四性 checks (第十八条; DA/T 70).

Thin: reads through ``lawtrail.archive.queries`` (scope first), the changes through
``actions.archive_matter`` and ``queries.check_now``; an action's error is shown with its
status (a refusal lists every unmet condition, 409) and has changed nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lawtrail.archive import actions, queries
from lawtrail.errors import ActionError
from lawtrail.matters.permissions import get_visible_matter
from lawtrail.web.shortcuts import page


@page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Packages the caller sees with their latest checks; matters in 归档管理 not yet archived,
    with their 30-day due date and what they still lack."""
    return render(
        request,
        "archive/index.html",
        {
            "nav": "archive",
            "rows": queries.package_rows(request.user),
            "pending": [
                (p, queries.may_manage(request.user, p.matter))
                for p in queries.pending_matters(request.user)
            ],
        },
    )


def detail_context(request: HttpRequest, package: Any) -> dict[str, Any]:
    return {
        "nav": "archive",
        "package": package,
        "folder": settings.LAWTRAIL_ARCHIVE_DIR / package.path,
        "latest": queries.ordered_latest(package),
        "runs": package.checks.order_by("-at", "-id")[:200],
        "may_check": queries.may_manage(request.user, package.matter),
    }


@page
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One package: 档号, retention, files, bag digest, every check run; POST runs them now."""
    package = queries.get_visible_package(request.user, pk)
    if request.method == "POST":
        try:
            rows = queries.check_now(request.user, package)
        except ActionError as error:
            context = {**detail_context(request, package), "error": error}
            return render(request, "archive/detail.html", context, status=error.status)
        if all(r.passed for r in rows):
            messages.success(request, _("The four checks passed."))
        else:
            messages.error(request, _("A check failed: see the failed items below."))
        return redirect("archive:detail", package.pk)
    return render(request, "archive/detail.html", detail_context(request, package))


@page
@require_POST
def create(request: HttpRequest, matter_id: int) -> HttpResponse:
    """Archive a matter's case file (the custodian or head); a refusal lists what is missing."""
    matter = get_visible_matter(request.user, matter_id)
    try:
        # archive_matter refuses (403) anyone but the agency's custodian or head.
        package = actions.archive_matter(request.user, matter)
    except ActionError as error:
        unmet = getattr(error, "unmet", [])
        context = {"nav": "archive", "matter": matter, "error": error, "unmet": unmet}
        return render(request, "archive/refused.html", context, status=error.status)
    messages.success(request, _("Archived as %(number)s.") % {"number": package.archive_number})
    return redirect("archive:detail", package.pk)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
    path("matters/<int:matter_id>/create/", create, name="create"),
]
