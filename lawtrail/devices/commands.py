"""``lawtrail station …`` and ``lawtrail device …``: stations and the device registry from the
command line (第九条, 第十一条, 第十九条).

The acting login is named with ``--as USERNAME`` and is always required: the registry records
who registered and assigned, and the same permission applies as in the pages (the agency's
equipment managers, system administrators). Bad input exits 2 with one sentence and changes
nothing.

``lawtrail station run`` is the station agent (``lawtrail/station/``, no Django): its module
makes the ``station`` group with ``run`` in it, and ``add_parsers`` adds ``register``,
``revoke`` and ``list`` to that group.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from lawtrail.errors import UsageError

Handler = Callable[[argparse.Namespace], int]


def acting(username: str | None) -> Any:
    from lawtrail.evidence.commands import acting_user

    return acting_user(username)


def action_errors(run: Callable[[], int]) -> int:
    """An action's error is a usage error here: one sentence, exit 2, nothing changed."""
    from lawtrail.errors import ActionError

    try:
        return run()
    except ActionError as error:
        raise UsageError(error.message) from None


# ---------------------------------------------------------------- station


def cmd_station_register(args: argparse.Namespace) -> int:
    from lawtrail.devices.stations import StationInput, register_station

    user = acting(args.acting)

    def run() -> int:
        registered = register_station(
            user,
            StationInput(
                agency_code=args.agency,
                name=args.name,
                location=args.location,
                latitude=args.latitude,
                longitude=args.longitude,
            ),
        )
        station = registered.station
        print(
            f"station {station.pk} {station.name} ({station.agency.name}), login "
            f"{station.login.get_username()}"
        )
        print("Its token (shown once; give it to the station agent as --token):")
        print(registered.token)
        return 0

    return action_errors(run)


def station_by_id(value: str) -> Any:
    from lawtrail.devices.models import Station

    station = None
    if value.isascii() and value.isdigit():
        station = Station.objects.select_related("agency", "login").filter(pk=int(value)).first()
    if station is None:
        raise UsageError(f"There is no station {value!r}; `lawtrail station list` shows them.")
    return station


def cmd_station_revoke(args: argparse.Namespace) -> int:
    from lawtrail.devices.stations import revoke_station

    user = acting(args.acting)
    station = station_by_id(args.station)

    def run() -> int:
        revoke_station(user, station)
        print(f"station {station.pk} {station.name} revoked; its token no longer works")
        return 0

    return action_errors(run)


def cmd_station_list(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from lawtrail.devices.models import Station
    from lawtrail.devices.stations import is_online

    now = timezone.now()
    rows = []
    for station in Station.objects.select_related("agency", "login").order_by("agency__path", "id"):
        state = (
            "revoked" if station.revoked_at else "online" if is_online(station, now) else "offline"
        )
        rows.append(
            {
                "id": station.pk,
                "name": station.name,
                "agency": station.agency.region_code,
                "login": station.login.get_username(),
                "state": state,
                "last_seen_at": station.last_seen_at.isoformat() if station.last_seen_at else None,
                "queue_files": station.queue_files,
                "queue_bytes": station.queue_bytes,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['id']:>4} {row['login']:<12} {row['agency']} {row['state']:<8} "
            f"queue {row['queue_files']} files {row['queue_bytes']} bytes  {row['name']}"
        )
    return 0


# ---------------------------------------------------------------- device


def cmd_device_register(args: argparse.Namespace) -> int:
    from lawtrail.devices.registry import DeviceInput, register_device

    user = acting(args.acting)

    def run() -> int:
        device = register_device(
            user,
            DeviceInput(
                serial=args.serial,
                kind=args.kind,
                agency_code=args.agency,
                model=args.model,
                note=args.note,
                officer=args.officer,
            ),
        )
        holder = f", assigned to {device.holder.name}" if device.holder else ""
        print(f"device {device.serial} registered in {device.agency.name}{holder}")
        return 0

    return action_errors(run)


def device_by_serial(serial: str) -> Any:
    from lawtrail.devices.models import Device

    device = Device.objects.select_related("agency", "holder__user").filter(serial=serial).first()
    if device is None:
        raise UsageError(f"No device has the serial number {serial!r}.")
    return device


def cmd_device_assign(args: argparse.Namespace) -> int:
    from lawtrail.devices import registry

    user = acting(args.acting)
    device = device_by_serial(args.serial)
    if bool(args.officer) == args.nobody:
        raise UsageError("Name the officer with --officer, or take the device back with --nobody.")

    def run() -> int:
        if args.nobody:
            registry.unassign(user, device, reason=args.reason)
            print(f"device {device.serial} taken back; assigned to nobody")
        else:
            officer = registry.find_officer(args.officer)
            registry.assign_device(user, device, officer, reason=args.reason)
            print(f"device {device.serial} assigned to {officer.name}")
        return 0

    return action_errors(run)


def cmd_device_status(args: argparse.Namespace) -> int:
    from lawtrail.devices.registry import set_status

    user = acting(args.acting)
    device = device_by_serial(args.serial)

    def run() -> int:
        set_status(user, device, args.status, reason=args.reason)
        print(f"device {device.serial} is now {args.status}")
        return 0

    return action_errors(run)


def cmd_device_list(args: argparse.Namespace) -> int:
    from lawtrail.devices.models import Device
    from lawtrail.devices.queries import LAST_DOCKED, with_last_dock

    devices = Device.objects.select_related("agency", "holder__user").order_by("serial")
    if args.agency:
        devices = devices.filter(agency__path__contains=f"{args.agency}/")
    rows = []
    for device in with_last_dock(devices):
        last = getattr(device, LAST_DOCKED, None)
        rows.append(
            {
                "serial": device.serial,
                "kind": device.kind,
                "model": device.model,
                "agency": device.agency.region_code,
                "status": device.status,
                "assigned_to": device.holder.user.get_username() if device.holder else None,
                "last_docked_at": last.isoformat() if last else None,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['serial']:<20} {row['agency']} {row['status']:<10} "
            f"{row['assigned_to'] or '-':<14} last dock {row['last_docked_at'] or 'never'}"
        )
    return 0


# ---------------------------------------------------------------- parsers


def add_parsers(sub: Any, setup: Callable[[], None], *, station: Any = None) -> None:
    """Register ``device`` on the main parser's subparsers, and ``register``, ``revoke`` and
    ``list`` in the ``station`` group (``station``: that group's subparsers, made by
    ``lawtrail.station.commands.add_parsers`` with the agent's ``run``; a group of its own
    when None)."""

    def django(func: Handler) -> Handler:
        def run(args: argparse.Namespace) -> int:
            setup()
            return func(args)

        return run

    group = station
    if group is None:
        group = sub.add_parser(
            "station", help="collection stations (采集站)", description="第十九条."
        ).add_subparsers(dest="station_command", metavar="COMMAND")
    register = group.add_parser(
        "register",
        help="register a station and print its token (alone on the last line)",
        description="Register a collection station of an agency: its service login and a bearer "
        "token, printed once on the last line.",
    )
    register.add_argument("--agency", required=True, metavar="REGION_CODE")
    register.add_argument("--name", required=True)
    register.add_argument("--location", default="", help="where it stands, in words")
    register.add_argument("--latitude", default=None, help="WGS-84 degrees, with --longitude")
    register.add_argument("--longitude", default=None, help="WGS-84 degrees, with --latitude")
    register.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    register.set_defaults(func=django(cmd_station_register))
    revoke = group.add_parser("revoke", help="revoke a station's token")
    revoke.add_argument("station", metavar="ID")
    revoke.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    revoke.set_defaults(func=django(cmd_station_revoke))
    listing = group.add_parser("list", help="list stations with their last heartbeat")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=django(cmd_station_list))

    device = sub.add_parser(
        "device", help="the device registry", description="Recording devices (第九条, 第十一条)."
    )
    devices = device.add_subparsers(dest="device_command", metavar="COMMAND")
    dregister = devices.add_parser("register", help="register a device in an agency's registry")
    dregister.add_argument("serial")
    dregister.add_argument(
        "--kind", required=True, help="body_camera, mobile_terminal, camera, audio_recorder, …"
    )
    dregister.add_argument("--agency", required=True, metavar="REGION_CODE")
    dregister.add_argument("--model", default="")
    dregister.add_argument("--note", default="")
    dregister.add_argument(
        "--officer", default="", help="assign it at once (username or certificate number)"
    )
    dregister.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    dregister.set_defaults(func=django(cmd_device_register))
    assign = devices.add_parser("assign", help="assign a device to an officer, or take it back")
    assign.add_argument("serial")
    assign.add_argument("--officer", default="", help="username or certificate number")
    assign.add_argument("--nobody", action="store_true", help="take the device back")
    assign.add_argument("--reason", default="", help="required when it moves or is taken back")
    assign.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    assign.set_defaults(func=django(cmd_device_assign))
    status = devices.add_parser("status", help="in service, in repair, or retired")
    status.add_argument("serial")
    status.add_argument("status", choices=["in_service", "in_repair", "retired"])
    status.add_argument("--reason", required=True)
    status.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    status.set_defaults(func=django(cmd_device_status))
    dlist = devices.add_parser("list", help="list devices with holder and last dock")
    dlist.add_argument("--agency", default="", metavar="REGION_CODE")
    dlist.add_argument("--json", action="store_true")
    dlist.set_defaults(func=django(cmd_device_list))
