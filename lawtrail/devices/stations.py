"""Collection stations (采集站, 第十九条): registering one, revoking it, and its heartbeat.

A station signs in as its own service login ``station-<id>``: no usable password, no officer
profile, hence no matters and no evidence of its own to see. Its bearer token (an ``ApiToken``
on that login) is returned once by ``register_station``; ``revoke_station`` revokes every token
of the login and deactivates it, so the station is refused at its next request
(docs/decisions/0013-station-protocol.md).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.api.models import ApiToken
from lawtrail.api.tokens import create_token, revoke_token
from lawtrail.devices.models import Station
from lawtrail.devices.registry import agency_by_code
from lawtrail.devices.scope import require_manager, visible_stations
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger import events

#: A station is shown offline when its last heartbeat is older than this (decision 0013:
#: the agent beats about once a minute, so three missed beats).
OFFLINE_AFTER = datetime.timedelta(minutes=3)
LOGIN_PREFIX = "station-"


def station_of(user: Any) -> Station | None:
    """The station whose service login ``user`` is, or None for people (and anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Station.objects.select_related("agency", "login").filter(login_id=user.pk).first()


def require_station(user: Any) -> Station:
    station = station_of(user)
    if station is None:
        raise Forbidden(
            _(
                "Only a collection station's token may call /api/v1/stations/me/; people use "
                "/api/v1/stations."
            )
        )
    if station.revoked_at is not None:
        raise Forbidden(_("Station %(name)s was revoked.") % {"name": station.name})
    return station


def is_online(station: Station, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        station.revoked_at is None
        and station.last_seen_at is not None
        and now - station.last_seen_at <= OFFLINE_AFTER
    )


def get_visible_station(user: Any, pk: int | str) -> Station:
    try:
        return visible_stations(user).select_related("agency", "login").get(pk=int(pk))
    except (Station.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such station.")) from None


def clean_coordinate(value: Any, name: str, limit: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(
            _("%(name)s must be a number of degrees.") % {"name": name}, {name: []}
        ) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise Invalid(
            _("%(name)s lies between -%(limit)d and %(limit)d degrees.")
            % {"name": name, "limit": limit},
            {name: []},
        )
    return number.quantize(Decimal("0.000001"))


@dataclass
class StationInput:
    agency_code: str
    name: str
    location: str = ""
    #: WGS-84 degrees, both or neither.
    latitude: Any = None
    longitude: Any = None


@dataclass
class Registered:
    station: Station
    #: The bearer token, shown this once; only its digest is kept.
    token: str


@transaction.atomic
def register_station(user: Any, data: StationInput) -> Registered:
    """第十九条: a collection station of an agency, with its service login and token."""
    agency = agency_by_code(data.agency_code)
    require_manager(user, agency)
    name = data.name.strip()
    if not name:
        raise Invalid(_("A station needs a name."), {"name": [_("This field is required.")]})
    if len(name) > 100:
        raise Invalid(_("A station's name is at most 100 characters."), {"name": []})
    location = data.location.strip()
    if len(location) > 200:
        raise Invalid(_("The location is at most 200 characters."), {"location": []})
    latitude = clean_coordinate(data.latitude, "latitude", 90)
    longitude = clean_coordinate(data.longitude, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise Invalid(
            _("Give both latitude and longitude, or neither."), {"latitude": [], "longitude": []}
        )
    if Station.objects.filter(agency=agency, name=name).exists():
        raise Invalid(
            _("%(agency)s already has a station named %(name)s.")
            % {"agency": agency.name, "name": name},
            {"name": []},
        )
    User = get_user_model()
    # The login is named after the station's id, which exists only once the row does.
    login = User(username=f"{LOGIN_PREFIX}pending-{uuid.uuid4().hex}")
    login.set_unusable_password()
    login.save()
    station = Station.objects.create(
        agency=agency,
        name=name,
        location=location,
        latitude=latitude,
        longitude=longitude,
        login=login,
        created_by=user,
        created_at=timezone.now(),
    )
    username = f"{LOGIN_PREFIX}{station.pk}"
    if User.objects.filter(username=username).exists():
        raise Invalid(
            _("The login name %(u)s is taken by someone else; rename that login first.")
            % {"u": username},
            {"name": []},
        )
    login.username = username
    try:
        with transaction.atomic():
            login.save(update_fields=["username"])
    except IntegrityError:
        raise Invalid(
            _("The login name %(u)s is taken by someone else; rename that login first.")
            % {"u": username},
            {"name": []},
        ) from None
    events.append(
        events.Actor.of(user),
        "station.registered",
        station,
        {
            "agency": agency.region_code,
            "name": name,
            "location": location,
            "latitude": str(latitude) if latitude is not None else None,
            "longitude": str(longitude) if longitude is not None else None,
            "login": username,
        },
    )
    token = create_token(login, f"station {name}", actor=user)
    return Registered(station, token)


@transaction.atomic
def revoke_station(user: Any, station: Station) -> Station:
    """Revoke the station's tokens and deactivate its login: its next request is refused.
    Uploads it completed before stay evidence; nothing it sent is removed."""
    station = (
        Station.objects.select_for_update(of=("self",))
        .select_related("agency", "login")
        .get(pk=station.pk)
    )
    require_manager(user, station.agency)
    if station.revoked_at is not None:
        raise Invalid(
            _("Station %(name)s was already revoked.") % {"name": station.name}, {"station": []}
        )
    for token in ApiToken.objects.filter(user=station.login, revoked_at=None):
        revoke_token(token, actor=user)
    login = station.login
    login.is_active = False
    login.save(update_fields=["is_active"])
    station.revoked_at = timezone.now()
    station.revoked_by = user
    station.save(update_fields=["revoked_at", "revoked_by"])
    events.append(
        events.Actor.of(user),
        "station.revoked",
        station,
        {"agency": station.agency.region_code, "name": station.name, "login": login.username},
    )
    return station


@dataclass
class HeartbeatInput:
    queue_files: int = 0
    queue_bytes: int = 0
    uploading: int = 0
    bytes_per_second: float = 0
    agent_version: str = ""


def record_heartbeat(station: Station, data: HeartbeatInput) -> Station:
    """Keep the station's latest numbers. Telemetry, like a token's ``last_used_at``: one short
    UPDATE and no ledger event (a station beats every minute; its docks are the records)."""
    if min(data.queue_files, data.queue_bytes, data.uploading) < 0 or data.bytes_per_second < 0:
        raise Invalid(_("The heartbeat's numbers cannot be negative."), {"body": []})
    if len(data.agent_version) > 64:
        raise Invalid(_("agent_version is at most 64 characters."), {"agent_version": []})
    fields = {
        "last_seen_at": timezone.now(),
        "queue_files": data.queue_files,
        "queue_bytes": data.queue_bytes,
        "uploading": data.uploading,
        "bytes_per_second": int(data.bytes_per_second),
        "agent_version": data.agent_version.strip(),
    }
    Station.objects.filter(pk=station.pk).update(**fields)
    for name, value in fields.items():
        setattr(station, name, value)
    return station
