"""Forms for opening a matter and for the changes made on the matter page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.matters.actions import AV_FLAGS, GisInput, PartyInput
from lawtrail.matters.models import Approval, GisPoint, Kind, Matter, Party, Procedure, Stage


def officer_label(officer: Officer) -> str:
    """Name with the certificate state that decides whether they may handle (第十条)."""
    if officer.is_assistant:
        return str(_("%(name)s — assistant (协助人员), cannot lead") % {"name": officer.name})
    certificate = officer.valid_certificate()
    if certificate is None:
        return str(_("%(name)s — no valid enforcement certificate") % {"name": officer.name})
    return str(
        _("%(name)s — certificate %(number)s, valid to %(to)s")
        % {"name": officer.name, "number": certificate.number, "to": certificate.valid_to}
    )


class OfficerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return officer_label(obj)


class OfficerMultipleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return officer_label(obj)


def agency_officers(agency: Agency) -> QuerySet[Officer]:
    return Officer.objects.filter(
        agency=agency, role_index__contains=f",{Role.OFFICER},", user__is_active=True
    ).order_by("name")


def flag_label(name: str) -> str:
    return str(getattr(Matter._meta.get_field(name), "verbose_name", name))


class GisFields(forms.Form):
    """A GIS point; a tablet fills it from its location (WGS-84) with one tap."""

    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    datum = forms.ChoiceField(
        label=_("Datum"),
        choices=GisPoint.Datum.choices,
        initial=GisPoint.Datum.WGS84,
        help_text=_("Phone locations are WGS-84; most Chinese map apps show GCJ-02."),
    )
    gis_label = forms.CharField(label=_("Label of the place"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not self.errors:
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data

    def gis_input(self) -> GisInput | None:
        data = self.cleaned_data
        if data.get("latitude") is None:
            return None
        return GisInput(
            latitude=str(data["latitude"]),
            longitude=str(data["longitude"]),
            datum=data["datum"],
            label=data.get("gis_label", ""),
        )


class MatterForm(GisFields):
    kind = forms.ChoiceField(label=_("Kind of matter (第二条)"), choices=Kind.choices)
    procedure = forms.ChoiceField(
        label=_("Procedure"), choices=Procedure.choices, initial=Procedure.GENERAL
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    handlers = OfficerMultipleChoice(
        label=_("Handlers"),
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two officers with valid certificates before investigation (第十条)."),
    )
    lead = OfficerChoice(
        label=_("Lead handler"),
        queryset=Officer.objects.none(),
        required=False,
        empty_label=_("The first handler"),
    )

    field_order = [
        "kind",
        "procedure",
        "title",
        "place",
        "summary",
        "handlers",
        "lead",
        "latitude",
        "longitude",
        "datum",
        "gis_label",
        *AV_FLAGS,
    ]

    def __init__(self, agency: Agency, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = agency_officers(agency)
        self.fields["handlers"].queryset = officers  # type: ignore[attr-defined]
        self.fields["lead"].queryset = officers  # type: ignore[attr-defined]
        for name in AV_FLAGS:
            self.fields[name] = forms.BooleanField(label=flag_label(name), required=False)
        self.order_fields(self.field_order)

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in AV_FLAGS]

    @property
    def gis_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("latitude", "longitude", "datum", "gis_label")]


class PartyForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), choices=Party.Type.choices, initial=Party.Type.ORGANISATION
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=18,
        help_text=_("For a natural person: 18 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=18,
        help_text=_("For an organisation: 18 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(
        label=_("Legal representative"), required=False, max_length=50
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def party_input(self) -> PartyInput:
        return PartyInput(**{name: self.cleaned_data.get(name, "") for name in self.fields})


PartyFormSet = forms.formset_factory(
    PartyForm, extra=0, min_num=1, validate_min=True, max_num=20, validate_max=True
)


class ApprovalRequestForm(forms.Form):
    subject = forms.ChoiceField(label=_("Subject"), choices=Approval.Subject.choices)
    note = forms.CharField(
        label=_("Request"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )


class StageForm(forms.Form):
    target = forms.ChoiceField(label=_("Next stage"), choices=Stage.choices)
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the matter go back?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewRequirementsForm(forms.Form):
    """第十三条(四): whether the decision needs 法制审核 and/or 集体讨论 first."""

    needs_legal_review = forms.BooleanField(
        label=_("The decision needs legal review (法制审核)"), required=False
    )
    needs_collective_discussion = forms.BooleanField(
        label=_("The decision needs collective discussion (集体讨论)"), required=False
    )


class HandlerForm(forms.Form):
    officer = OfficerChoice(label=_("Officer"), queryset=Officer.objects.none())
    lead = forms.BooleanField(label=_("Make lead handler"), required=False)

    def __init__(self, agency: Agency, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = agency_officers(agency)  # type: ignore[attr-defined]


class GisForm(GisFields):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("latitude") is None and not self.errors:
            raise forms.ValidationError(_("Give a latitude and a longitude."))
        return data
