"""The ``lawtrail`` command. Exit status: 0 fine, 1 problems found, 2 usage or input error."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lawtrail.access import package_commands
from lawtrail.archive import commands as archive_commands
from lawtrail.compliance import commands as compliance_commands
from lawtrail.devices import commands as device_commands
from lawtrail.errors import UsageError
from lawtrail.evidence import commands as evidence_commands
from lawtrail.evidence import upload_commands
from lawtrail.ledger import commands as ledger_commands
from lawtrail.replication import commands as replication_commands
from lawtrail.security import commands as security_commands
from lawtrail.station import commands as station_commands
from lawtrail.storage import commands as storage_commands

Handler = Callable[[argparse.Namespace], int]


def data_home() -> Path:
    return Path(os.getenv("LAWTRAIL_HOME", "var")).expanduser().resolve()


def prepare_home() -> Path:
    """Create the data folder and the secret key (0600) if absent. Idempotent."""
    home = data_home()
    home.mkdir(parents=True, exist_ok=True)
    key_file = home / "secret_key"
    if not os.getenv("LAWTRAIL_SECRET_KEY") and not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50) + "\n")
    return home


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    import django

    django.setup()


def cmd_init(args: argparse.Namespace) -> int:
    home = prepare_home()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from lawtrail.ledger.checkpoints import ensure_signing_key

    verifier_key, created = ensure_signing_key()
    print(f"lawtrail data folder: {home}")
    print("database migrated")
    print("ledger signing key " + ("created" if created else "present"))
    print(f"ledger verifier key: {verifier_key}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    cmd_init(args)
    from lawtrail.demo import build_demo

    build_demo(out=sys.stdout)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    prepare_home()
    setup_django()
    from lawtrail.server import serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}.")
    if not 1 <= args.workers <= 64:
        raise UsageError(f"--workers must be between 1 and 64, not {args.workers}.")
    if not 1 <= args.task_workers <= 64:
        raise UsageError(f"--task-workers must be between 1 and 64, not {args.task_workers}.")
    return serve(
        host=args.host,
        port=args.port,
        workers=args.workers,
        with_worker=not args.no_worker,
        task_workers=args.task_workers,
    )


def cmd_token_create(args: argparse.Namespace) -> int:
    setup_django()
    from django.contrib.auth import get_user_model

    from lawtrail.api.tokens import create_token

    try:
        user = get_user_model().objects.get(username=args.username)
    except get_user_model().DoesNotExist:
        raise UsageError(f"There is no user named {args.username!r}.") from None
    if not user.is_active:
        raise UsageError(f"User {args.username!r} is deactivated; no token issued.")
    token = create_token(user, args.name, read_only=args.read_only)
    print(f"API token for {user.get_username()} (shown once; keep it secret):")
    print(token)
    return 0


def cmd_agency_create(args: argparse.Namespace) -> int:
    setup_django()
    from lawtrail.agencies.people import AgencyInput, create_agency
    from lawtrail.errors import ActionError

    try:
        agency = create_agency(
            None,
            AgencyInput(
                name=args.name,
                level=args.level,
                region_code=args.region_code,
                short_name=args.short_name,
                parent_code=args.parent or "",
                responsible_unit=args.responsible_unit,
                number_template=args.number_template or "",
            ),
        )
    except ActionError as error:
        raise UsageError(error.message) from None
    print(f"created {agency.name} ({agency.region_code}, {agency.level})")
    return 0


def cmd_agency_number_template(args: argparse.Namespace) -> int:
    """卫生部令第87号 第四条: set how an agency's document numbers (文号) read."""
    setup_django()
    from lawtrail.agencies.models import Agency
    from lawtrail.agencies.numbering import example_number
    from lawtrail.agencies.people import set_number_template
    from lawtrail.errors import ActionError

    agency = Agency.objects.filter(region_code=args.region_code).first()
    if agency is None:
        raise UsageError(f"There is no agency with region code {args.region_code!r}.")
    try:
        set_number_template(None, agency, args.template)
    except ActionError as error:
        raise UsageError(error.message) from None
    print(f"{agency.name}: {agency.number_template} (e.g. {example_number(agency)})")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    setup_django()
    import getpass

    from lawtrail.agencies.people import PersonInput, create_person
    from lawtrail.errors import ActionError

    if args.password is None and sys.stdin.isatty():
        args.password = getpass.getpass("Password (empty: none yet): ")
    try:
        person = create_person(
            None,
            PersonInput(
                username=args.username,
                name=args.name,
                agency_code=args.agency,
                roles=args.role or [],
                employment=args.employment,
                password=args.password or "",
            ),
        )
    except ActionError as error:
        raise UsageError(error.message) from None
    print(f"created {person.user.get_username()} ({person.name}) in {person.agency.name}")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    setup_django()
    import getpass

    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        user = get_user_model().objects.get(username=args.username)
    except get_user_model().DoesNotExist:
        raise UsageError(f"There is no user named {args.username!r}.") from None
    password = args.password or getpass.getpass("New password: ")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise UsageError(" ".join(error.messages)) from None
    from django.db import transaction

    from lawtrail.ledger import events

    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        # Who changed which login's password is an event (invariant 4); the password is not.
        events.append(
            events.SYSTEM,
            "person.password_set",
            user,
            {"username": user.get_username(), "by": "lawtrail user set-password"},
        )
    print(f"password of {args.username} changed")
    return 0


def cmd_user_employment(args: argparse.Namespace) -> int:
    """第十条: established staff, not established, or assistant (协助人员)."""
    setup_django()
    from lawtrail.agencies.models import Officer
    from lawtrail.agencies.people import set_employment
    from lawtrail.errors import ActionError, Refused

    officer = Officer.objects.select_related("user").filter(user__username=args.username).first()
    if officer is None:
        raise UsageError(f"There is no person named {args.username!r}.")
    try:
        changed = set_employment(None, officer, args.employment, args.reason)
    except Refused as error:
        details = "; ".join(f"{u.message} ({u.article})" for u in error.unmet)
        raise UsageError(f"{error.message} {details}") from None
    except ActionError as error:
        raise UsageError(error.message) from None
    print(f"{changed.user.get_username()} ({changed.name}): {changed.employment}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    setup_django()
    from lawtrail.agencies.models import Officer

    for officer in Officer.objects.select_related("user", "agency"):
        roles = ",".join(officer.roles)
        print(
            f"{officer.user.get_username():<16} {officer.name:<8} {officer.agency.name} [{roles}]"
        )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    prepare_home()
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lawtrail manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lawtrail",
        description="lawtrail, the whole-process recording system (执法全过程记录系统).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Handler, help: str, **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        p.set_defaults(func=func)
        return p

    add("init", cmd_init, "create the data folder, migrate the database, generate keys")
    add("demo", cmd_demo, "build the demo province: people, matters, records and media")
    serve = add("serve", cmd_serve, "run the web pages, the API and the background worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help="web worker processes")
    serve.add_argument(
        "--task-workers",
        type=int,
        default=1,
        help="task worker processes (ingest, working copies); one ingest each at a time",
    )
    serve.add_argument("--no-worker", action="store_true", help="do not run the task worker")

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command")
    create = token.add_parser("create", help="create an API token (printed alone on the last line)")
    create.add_argument("username")
    create.add_argument("--name", default="", help="what the token is for")
    create.add_argument("--read-only", action="store_true", help="the token may only read (GET)")
    create.set_defaults(func=cmd_token_create)

    agency = sub.add_parser("agency", help="agencies").add_subparsers(dest="agency_command")
    acreate = agency.add_parser("create", help="create an agency (the province first)")
    acreate.add_argument("region_code", help="six-digit region code, e.g. 610000")
    acreate.add_argument("--name", required=True, help="e.g. 陕西省卫生健康委员会")
    acreate.add_argument("--level", required=True, choices=["province", "city", "county"])
    acreate.add_argument("--short-name", required=True, help="for document numbers, e.g. 陕")
    acreate.add_argument("--parent", help="the parent agency's region code")
    acreate.add_argument("--responsible-unit", default="", help="第十一条 responsible unit")
    acreate.add_argument(
        "--number-template",
        help="document number template, e.g. '{short}卫{nature}〔{year}〕第{seq}号' "
        "(default '{short}卫{nature}〔{year}〕{seq}号')",
    )
    acreate.set_defaults(func=cmd_agency_create)
    atemplate = agency.add_parser(
        "set-number-template",
        help="set an agency's document number template: {short} {category} {nature} {year} "
        "{seq}, {seq:03d}; {nature}, {year} and {seq} are required",
    )
    atemplate.add_argument("region_code", help="the agency's six-digit region code")
    atemplate.add_argument("template", help="e.g. '{short}卫{nature}〔{year}〕第{seq}号'")
    atemplate.set_defaults(func=cmd_agency_number_template)

    user = sub.add_parser("user", help="people and logins").add_subparsers(dest="user_command")
    ucreate = user.add_parser("create", help="create a login with its officer profile")
    ucreate.add_argument("username")
    ucreate.add_argument("--name", required=True, help="the person's name")
    ucreate.add_argument("--agency", required=True, help="the agency's region code")
    ucreate.add_argument("--role", action="append", help="a role (repeatable)")
    ucreate.add_argument("--employment", default="established")
    ucreate.add_argument(
        "--password",
        help="the password (prompted for on a terminal; without one the login cannot log in "
        "until `lawtrail user set-password`)",
    )
    ucreate.set_defaults(func=cmd_user_create)
    upass = user.add_parser("set-password", help="set a login's password")
    upass.add_argument("username")
    upass.add_argument("--password")
    upass.set_defaults(func=cmd_user_password)
    user.add_parser("list", help="list logins").set_defaults(func=cmd_user_list)
    uemployment = user.add_parser(
        "set-employment", help="change a person's employment (established, contract, assistant)"
    )
    uemployment.add_argument("username")
    uemployment.add_argument("employment", help="established, contract or assistant")
    uemployment.add_argument("--reason", required=True, help="why (kept in the ledger)")
    uemployment.set_defaults(func=cmd_user_employment)
    security_commands.add_parsers(token, user, setup_django)  # token revoke|list, 2FA reset

    ledger_commands.add_parsers(sub, setup_django)
    evidence_commands.add_parsers(sub, setup_django)
    upload_commands.add_parsers(sub, setup_django)
    storage_commands.add_parsers(sub)  # keys init|rotate|status (encryption at rest)
    package_commands.add_parsers(sub, setup_django)
    compliance_commands.add_parsers(sub, setup_django)
    archive_commands.add_parsers(sub, setup_django)
    replication_commands.add_parsers(sub, setup_django)
    # The `station` group: `run` is the agent (lawtrail/station, no Django); `register`,
    # `revoke` and `list` are the registry's (lawtrail/devices/commands.py).
    station = station_commands.add_parsers(sub)
    device_commands.add_parsers(sub, setup_django, station=station)

    manage = add("manage", cmd_manage, "run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return int(exit.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    func: Handler = args.func
    try:
        return func(args)
    except UsageError as error:
        print(f"lawtrail: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        # A settings helper refused an environment variable's value. Matched by name: the
        # station agent runs through here too and imports no Django.
        if type(error).__name__ != "ImproperlyConfigured":
            raise
        print(f"lawtrail: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
