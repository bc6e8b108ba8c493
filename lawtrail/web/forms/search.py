"""The matter search form: every filter is optional; a wrong value is ignored and named."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency
from lawtrail.matters.models import Kind, Matter, Stage


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

    def filter(self, matters: QuerySet[Matter]) -> QuerySet[Matter]:
        """Apply the filters that are valid; the form keeps errors for the others."""
        self.is_valid()
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        if data.get("kind"):
            matters = matters.filter(kind=data["kind"])
        if data.get("stage"):
            matters = matters.filter(stage=data["stage"])
        if data.get("agency"):
            matters = matters.filter(agency=data["agency"])
        if data.get("opened_from"):
            matters = matters.filter(opened_at__date__gte=data["opened_from"])
        if data.get("opened_to"):
            matters = matters.filter(opened_at__date__lte=data["opened_to"])
        party = (data.get("party") or "").strip()
        if party:
            matters = matters.filter(
                Q(parties__name__icontains=party)
                | Q(parties__id_number__iexact=party)
                | Q(parties__credit_code__iexact=party)
            )
        text = (data.get("q") or "").strip()
        if text:
            matters = matters.filter(
                Q(number__icontains=text)
                | Q(title__icontains=text)
                | Q(place__icontains=text)
                | Q(parties__name__icontains=text)
            )
        if party or text:
            # Only the ids are made distinct, so PostgreSQL may still order by any column.
            matters = Matter.objects.filter(pk__in=matters.values("pk"))
        return matters
