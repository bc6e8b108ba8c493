"""Where a recording came from, beyond the file: the collection station and dock session that
brought it, the device's own clock, and what the device registry says about the device at
capture time (第十九条, 第二十三条; docs/decisions/0013-station-protocol.md).

Used by ``ingest.clean`` and ``ingest.register``; the registry itself is ``lawtrail.devices``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer
from lawtrail.devices.findings import Finding, assignment_at, check_device
from lawtrail.devices.models import Device, DockSession, Station
from lawtrail.errors import Forbidden, Invalid

#: Bounds of a device clock's offset in seconds (the column holds eleven digits before the point).
MAX_CLOCK_OFFSET = Decimal(10**9)


def parse_offset(value: str) -> Decimal | None:
    """``clock_offset``: the device clock minus the station clock, in seconds."""
    if not value.strip():
        return None
    try:
        offset = Decimal(value.strip())
    except InvalidOperation:
        offset = Decimal("NaN")
    if not offset.is_finite() or abs(offset) > MAX_CLOCK_OFFSET:
        raise Invalid(
            _("clock_offset is a number of seconds (device clock minus station clock): %(v)s")
            % {"v": value[:40]},
            {"clock_offset": []},
        )
    return offset.quantize(Decimal("0.001"))


def station_dock(station: Station | None, value: str) -> DockSession | None:
    """The dock session a station names; only a station names one, and only its own."""
    if not value.strip():
        return None
    if station is None:
        raise Invalid(_("Only a collection station names a dock session."), {"dock": []})
    dock = None
    if value.strip().isdigit():
        dock = (
            DockSession.objects.select_related("officer__user")
            .filter(pk=int(value.strip()), station=station)
            .first()
        )
    if dock is None:
        raise Invalid(
            _("This station has no dock session %(v)s.") % {"v": value[:20]}, {"dock": []}
        )
    return dock


def station_officer(
    station: Station,
    named: Officer | None,
    dock: DockSession | None,
    serial: str,
    at: datetime | None,
) -> Officer:
    """The officer a station uploads for, whose inbox receives the recording: the one named in
    the metadata, else the one named at docking, else the device's holder at capture time
    (the registry's findings then say whether that was right). They work at the station's
    agency; a recording nobody can be found for is refused, and stays on the device."""
    officer = named or (dock.officer if dock else None)
    if officer is None and serial:
        device = Device.objects.filter(serial=serial).first()
        assignment = assignment_at(device, at or timezone.now()) if device else None
        officer = assignment.officer if assignment else None
    if officer is None:
        raise Invalid(
            _(
                "Name the officer the recording belongs to (certificate number or username); "
                "a station uploads for an officer, and device %(serial)s is assigned to nobody."
            )
            % {"serial": serial or "?"},
            {"officer": [_("This field is required.")]},
        )
    if officer.agency_id != station.agency_id:
        raise Forbidden(
            _(
                "Station %(station)s uploads for the officers of %(agency)s; %(officer)s works "
                "at another agency."
            )
            % {"station": station.name, "agency": station.agency.name, "officer": officer.name}
        )
    return officer


def device_findings(serial: str, officer: Officer | None, at: datetime) -> list[Finding]:
    """第二十三条: what the device registry says about device ``serial`` in the hands of
    ``officer`` at capture time ``at``; nothing when no device was named."""
    if not serial:
        return []
    _device, found = check_device(serial, officer, at)
    return found
