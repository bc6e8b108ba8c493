"""Forms of the device and station pages (equipment managers and system administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer
from lawtrail.devices.models import Device


def agency_choices(agencies: models.QuerySet[Agency]) -> list[tuple[str, str]]:
    return [(a.region_code, f"{a.region_code} {a.name}") for a in agencies.order_by("path")]


def officer_choices(officers: models.QuerySet[Officer]) -> list[tuple[str, str]]:
    rows = officers.filter(user__is_active=True).select_related("user", "agency")
    return [
        (o.user.get_username(), f"{o.name} · {o.user.get_username()} · {o.agency.name}")
        for o in rows.order_by("agency__path", "name")
    ]


class DeviceFilterForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Device.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Device.Kind.choices]
    )
    officer = forms.CharField(
        label=_("Held by"),
        required=False,
        max_length=64,
        help_text=_("Username or certificate number."),
    )

    def __init__(self, agencies: models.QuerySet[Agency], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *agency_choices(agencies),
        ]


class DeviceForm(forms.Form):
    """第九条, 第十一条: a device for an agency's registry."""

    serial = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        help_text=_("As printed on the device, e.g. DSJ-XC-0213."),
    )
    kind = forms.ChoiceField(label=_("Kind (第九条)"), choices=Device.Kind.choices)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    agency_code = forms.ChoiceField(label=_("Agency"))
    officer = forms.ChoiceField(
        label=_("Assign to"),
        required=False,
        help_text=_("An officer of the same agency; it can also be assigned later."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        agencies: models.QuerySet[Agency],
        officers: models.QuerySet[Officer],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].choices = agency_choices(agencies)  # type: ignore[attr-defined]
        self.fields["officer"].choices = [  # type: ignore[attr-defined]
            ("", _("Nobody yet")),
            *officer_choices(officers),
        ]


#: The choice of the assignment form that takes the device back.
NOBODY = "-"


class AssignForm(forms.Form):
    """第二十三条: who holds the device from now on."""

    officer = forms.ChoiceField(label=_("Officer"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the device moves from one officer to another or is taken back."),
    )
    since = forms.DateTimeField(
        label=_("Handed over at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now. Not before the latest assignment."),
    )

    def __init__(self, officers: models.QuerySet[Officer], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose…")),
            (NOBODY, _("Nobody (take it back)")),
            *officer_choices(officers),
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Device.Status.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StationForm(forms.Form):
    """第十九条: a collection station of an agency."""

    agency_code = forms.ChoiceField(label=_("Agency"))
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 新城区采集站01"))
    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        required=False,
        help_text=_("Where it stands: building, floor, room."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude (WGS-84)"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude (WGS-84)"), required=False, max_digits=9, decimal_places=6
    )

    def __init__(self, agencies: models.QuerySet[Agency], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_code"].choices = agency_choices(agencies)  # type: ignore[attr-defined]
