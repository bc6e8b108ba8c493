"""Forms of the evidence pages: the list's filters, binding to a matter, the 48-hour record's
date range (第十九条)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lawtrail.evidence.deadlines import EVIDENCE_STATUSES
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import EvidenceFilters
from lawtrail.web.forms.search import with_any

#: The ``unbound`` filter: the inbox (bound to no matter yet), the bound ones, or all.
INBOX, BOUND, ALL = "yes", "no", "all"
#: How many days the 48-hour record covers when the page is opened without a range.
DEFAULT_DAYS = 30


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class EvidenceSearchForm(forms.Form):
    """Every filter is optional; a value that is not valid is named and nothing is listed."""

    unbound = forms.ChoiceField(
        label=_("Binding"),
        required=False,
        choices=[
            (ALL, _("All evidence")),
            (INBOX, _("My inbox: bound to no matter")),
            (BOUND, _("Bound to a matter")),
        ],
    )
    matter = forms.CharField(
        label=_("Matter number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    officer = forms.CharField(
        label=_("Officer"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": _("Username or certificate number"), "list": "officer-list"}
        ),
    )
    device = forms.CharField(
        label=_("Device serial"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=with_any(Evidence.Kind.choices)
    )
    deadline = forms.ChoiceField(
        label=_("48-hour status"),
        required=False,
        choices=with_any([(s.value, s.label) for s in EVIDENCE_STATUSES]),
    )
    acquired_from = forms.DateField(label=_("Uploaded from"), required=False, widget=date_input())
    acquired_to = forms.DateField(label=_("Uploaded to"), required=False, widget=date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("acquired_from"), data.get("acquired_to")
        if since and until and since > until:
            self.add_error("acquired_to", _("The end date is before the start date."))
        return data

    def filters(self) -> EvidenceFilters:
        """The valid form as the filters of ``lawtrail.evidence.queries.filtered``."""
        data = self.cleaned_data
        unbound = {INBOX: True, BOUND: False}.get(data.get("unbound") or ALL)
        return EvidenceFilters(
            matter=data.get("matter") or None,
            officer=data.get("officer") or None,
            device=data.get("device") or None,
            kind=data.get("kind") or None,
            acquired_from=data.get("acquired_from"),
            acquired_to=data.get("acquired_to"),
            unbound=unbound,
            deadline=data.get("deadline") or None,
        )


class BindForm(forms.Form):
    """Bind the evidence to a matter, or move it to another one (with a reason)."""

    matter_number = forms.CharField(
        label=_("Matter number"),
        max_length=64,
        widget=forms.TextInput(attrs={"list": "bind-matters", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Required when the evidence moves from one matter to another."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def default_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_DAYS), today


class DeadlineRangeForm(forms.Form):
    """The arrivals the 48-hour record counts, by local date of upload; blank is open-ended."""

    since = forms.DateField(label=_("Uploaded from"), required=False, widget=date_input())
    until = forms.DateField(label=_("Uploaded to"), required=False, widget=date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data
