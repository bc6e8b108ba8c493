"""Forms of the administration pages (system administrators only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Certificate, Officer, Role


def agency_choices() -> list[tuple[str, str]]:
    return [(a.region_code, f"{a.region_code} {a.name}") for a in Agency.objects.all()]


TEMPLATE_HELP = _(
    "Placeholders {short}, {category}, {nature}, {year} and {seq}; {nature}, {year} and {seq} "
    "are required, and {seq} may be padded as {seq:03d}."
)


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=Agency.Level.choices)
    region_code = forms.CharField(
        label=_("Region code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("Six digits, e.g. 610102."),
    )
    short_name = forms.CharField(
        label=_("Short name for document numbers"),
        max_length=8,
        help_text=_("For example 陕 or 西安."),
    )
    parent_code = forms.ChoiceField(label=_("Parent agency"), required=False)
    responsible_unit = forms.CharField(
        label=_("Responsible unit (第十一条)"), required=False, max_length=100
    )
    number_template = forms.CharField(
        label=_("Document number template"),
        required=False,
        max_length=64,
        help_text=format_lazy(
            "{} {}", TEMPLATE_HELP, _("Empty: {short}卫{nature}〔{year}〕{seq}号.")
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent_code"].choices = [  # type: ignore[attr-defined]
            ("", _("None (the province)")),
            *agency_choices(),
        ]


class ResponsibleForm(forms.Form):
    """第十一条: the unit and the person responsible for the recording work."""

    responsible_unit = forms.CharField(label=_("Responsible unit"), required=False, max_length=100)
    responsible_person = forms.ModelChoiceField(
        label=_("Responsible person"),
        required=False,
        queryset=Officer.objects.none(),
        empty_label=_("Nobody yet"),
    )

    def __init__(self, agency: Agency, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = (  # type: ignore[attr-defined]
            Officer.objects.filter(agency=agency, user__is_active=True).order_by("name")
        )


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=50)
    agency_code = forms.ChoiceField(label=_("Agency"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    employment = forms.ChoiceField(
        label=_("Employment"),
        choices=Officer.Employment.choices,
        initial=Officer.Employment.ESTABLISHED,
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to create the login without a password; "
            "set it later with `lawtrail user set-password`."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].choices = agency_choices()  # type: ignore[attr-defined]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class CertificateForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=32)
    issuer = forms.ChoiceField(label=_("Issuer"), choices=Certificate.Issuer.choices)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("A certificate cannot expire before it starts."))
        return data


class NumberTemplateForm(forms.Form):
    """卫生部令第87号 第四条: how the agency's document numbers (文号) read."""

    number_template = forms.CharField(
        label=_("Document number template"), max_length=64, help_text=TEMPLATE_HELP
    )


class CertificateStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Certificate.Status.choices)


class EmploymentForm(forms.Form):
    """第十条: only established staff with a certificate are enforcement officers."""

    employment = forms.ChoiceField(label=_("Employment"), choices=Officer.Employment.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
