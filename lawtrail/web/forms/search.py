"""The matter search form: every filter is optional; a wrong value is ignored and named.

The filtering itself is ``lawtrail.matters.queries.filter_matters``, the API's, so the page and
``GET /api/v1/matters`` find the same matters for the same filters.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency
from lawtrail.matters.models import Kind, Matter, Stage
from lawtrail.matters.queries import MatterQuery, filter_matters


def with_any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class MatterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, title, place or party")}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=with_any(Kind.choices))
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=with_any(Stage.choices))
    agency = forms.ModelChoiceField(
        label=_("Agency"), required=False, queryset=Agency.objects.none(), empty_label=_("Any")
    )
    party = forms.CharField(
        label=_("Party"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, ID number or credit code")}),
    )
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(
        label=_("Opened to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, agencies: QuerySet[Agency], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("opened_from"), data.get("opened_to")
        if first and last and first > last:
            # Named on the page and left out of the search, like any other wrong value.
            self.add_error("opened_to", _("This date is before the first one."))
        return data

    def query(self) -> MatterQuery:
        """The valid filters as the one matter query the API also uses."""
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        agency = data.get("agency")
        return MatterQuery(
            kind=data.get("kind") or None,
            stage=data.get("stage") or None,
            agency=agency.region_code if agency else None,
            party=data.get("party") or None,
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
            q=data.get("q") or None,
        )

    def filter(
        self, matters: QuerySet[Matter], identifiers_in: models.Q | None = None
    ) -> QuerySet[Matter]:
        """Apply the filters that are valid, meaning what they mean in the API (the agency
        and those below it; part of a party's name, or of an identifier the caller may see);
        the form keeps errors for the others."""
        agencies: QuerySet[Agency] = self.fields["agency"].queryset  # type: ignore[attr-defined]
        return filter_matters(
            matters, self.query(), agencies=agencies, identifiers_in=identifiers_in
        )
