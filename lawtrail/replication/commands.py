"""``lawtrail backup sync | verify | restore | mark | target`` (issue 9 §1, §4).

Exit status: 0 all is well; 1 something is pending, missing, changed or could not be restored
(each named); 2 usage or input error, or no replica configured (nothing changed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lawtrail.errors import UsageError


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int], object]]:
    """A rich progress display of the bytes moved, on stderr and only on a terminal."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TransferSpeedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn(what),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)
        yield lambda n: bar.advance(task, n)


def replica_or_stop() -> None:
    from lawtrail.replication.replica import NoReplica, require_replica

    try:
        require_replica()
    except NoReplica as error:
        raise UsageError(str(error)) from None


def show(report: Any, as_json: bool) -> int:
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
    return int(report.exit_code)


#: ``lawtrail serve`` runs ``backup sync --loop``: a new recording reaches the province within
#: the hour (第十九条 asks for regular offsite copies; the 48-hour upload comes first).
EVERY = 900


def cmd_sync(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.evidence.upload_commands import every_seconds
    from lawtrail.replication.witnessing import check_settings

    if args.limit is not None and args.limit < 1:
        raise UsageError(_("--limit must be a positive whole number."))
    check_settings()  # a bad LAWTRAIL_WITNESS_* stops here, before anything is copied
    every = every_seconds(args.every, args.loop, EVERY)
    if args.loop and args.json:
        raise UsageError(_("--json reports one sync; it does not go with --loop."))
    if not args.loop:
        replica_or_stop()
        return sync_once(args)
    from lawtrail.replication.replica import NoReplica, require_replica

    while True:
        try:
            require_replica()
        except NoReplica:
            pass  # no replica configured (yet): nothing to copy; look again later
        else:
            try:
                sync_once(args)
            except Exception as error:  # the loop outlives one bad round; the next retries
                print(f"lawtrail backup sync: {error}", file=sys.stderr)
        sys.stdout.flush()
        time.sleep(every)


def sync_once(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.replication.sync import sync

    with progress_bar(_("copying to the replica")) as progress:
        report = sync(limit=args.limit, progress=progress, retries=args.retries)
    from lawtrail.replication.witnessing import after_sync

    outcome = after_sync()  # the provincial witness co-signs the latest checkpoint (§3)
    if args.json:
        data = report.as_dict()
        data["witness"] = outcome.as_dict() if outcome is not None else None
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report.lines()))
        if outcome is not None:
            print(outcome.line())
    return report.exit_code if outcome is None or outcome.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.replication.sync import verify_replica

    replica_or_stop()
    with progress_bar(_("reading the replica back")) as progress:
        report = verify_replica(deep=not args.quick, progress=progress)
    return show(report, args.json)


def cmd_restore(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.replication.restore import restore

    if not args.yes:
        raise UsageError(
            _(
                "Restoring writes every missing or damaged original back into the local store "
                "from the replica; run it again with --yes to go ahead."
            )
        )
    replica_or_stop()
    with progress_bar(_("restoring from the replica")) as progress:
        report = restore(progress=progress)
    return show(report, args.json)


def cmd_mark(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.errors import ActionError
    from lawtrail.evidence.commands import acting_user
    from lawtrail.evidence.models import Evidence
    from lawtrail.replication.importance import mark_important

    if args.important is None:
        raise UsageError(_("Say --important or --not-important."))
    if not args.reason.strip():
        raise UsageError(_("Say why with --reason."))
    user = acting_user(args.acting)
    evidence = Evidence.objects.filter(pk=args.evidence).first()
    if evidence is None:
        raise UsageError(_("No such evidence."))
    try:
        mark = mark_important(user, evidence, args.important, args.reason)
    except ActionError as error:
        raise UsageError(error.message) from None
    result = {
        "evidence": evidence.pk,
        "sha256": evidence.sha256,
        "important": mark.important,
        "reason": mark.reason,
        "marked_by": user.get_username(),
        "at": mark.at.isoformat(),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        text = _("evidence %(id)d marked important") if mark.important else None
        text = text or _("evidence %(id)d marked not important")
        print(text % {"id": evidence.pk})
    return 0


def cmd_target_set(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.agencies.models import Agency
    from lawtrail.errors import ActionError
    from lawtrail.evidence.commands import acting_user
    from lawtrail.replication.replica import label, set_agency_replica

    user = acting_user(args.acting)
    agency = Agency.objects.filter(region_code=args.agency).first()
    if agency is None:
        raise UsageError(_("There is no agency with the region code %(c)s.") % {"c": args.agency})
    try:
        target = set_agency_replica(user, agency, args.url)
    except ActionError as error:
        raise UsageError(error.message) from None
    result = {"agency": agency.region_code, "name": agency.name, "replica": label(target.url)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(_("%(name)s (%(agency)s) now copies to %(replica)s") % result)
    return 0


def cmd_target_list(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.utils.translation import gettext as _

    from lawtrail.replication.models import AgencyReplica
    from lawtrail.replication.replica import label

    rows: list[dict[str, Any]] = []
    if settings.LAWTRAIL_REPLICA:
        rows.append(
            {"agency": "", "name": "LAWTRAIL_REPLICA", "replica": label(settings.LAWTRAIL_REPLICA)}
        )
    for target in AgencyReplica.objects.select_related("agency", "set_by").order_by("agency__path"):
        rows.append(
            {
                "agency": target.agency.region_code,
                "name": target.agency.name,
                "replica": label(target.url),
                "set_by": target.set_by.get_username(),
                "set_at": target.set_at.isoformat(),
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print(_("No replica is configured."))
    else:
        for row in rows:
            print(f"{row['agency'] or '*'}\t{row['name']}\t{row['replica']}")
    return 0


def add_parsers(sub: Any, setup: Callable[[], None]) -> Any:
    """Register the ``backup`` group on the main parser's subparsers; returns its subparsers
    so other commands (the witness) can join the group."""

    def runs(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        def run(args: argparse.Namespace) -> int:
            setup()
            return handler(args)

        return run

    backup = sub.add_parser(
        "backup",
        help="the provincial offsite copy (第十九条): sync, verify, restore",
        description=(
            "Copy important evidence, its metadata and the ledger's signed checkpoints to the "
            "provincial replica (LAWTRAIL_REPLICA or an agency's target), reading every copy "
            "back; compare both sides; rebuild a lost local store."
        ),
    )
    group = backup.add_subparsers(dest="backup_command", metavar="COMMAND")

    sync = group.add_parser("sync", help="copy what is important and not yet on the replica")
    sync.add_argument("--limit", type=int, metavar="N", help="copy at most N originals")
    sync.add_argument("--retries", type=int, default=3, help="retries per object (default 3)")
    sync.add_argument("--json", action="store_true", help="a JSON report")
    sync.add_argument("--loop", action="store_true", help="sync again and again (serve does)")
    sync.add_argument("--every", metavar="SECONDS", help=f"with --loop (default {EVERY})")
    sync.set_defaults(func=runs(cmd_sync))

    verify = group.add_parser("verify", help="compare both sides by digest")
    verify.add_argument(
        "--quick", action="store_true", help="check presence only, do not read back"
    )
    verify.add_argument("--json", action="store_true", help="a JSON report")
    verify.set_defaults(func=runs(cmd_verify))

    restore = group.add_parser("restore", help="rebuild the local store from the replica")
    restore.add_argument("--yes", action="store_true", help="go ahead")
    restore.add_argument("--json", action="store_true", help="a JSON report")
    restore.set_defaults(func=runs(cmd_restore))

    mark = group.add_parser("mark", help="mark evidence important (or not) for the copy")
    mark.add_argument("evidence", type=int, metavar="EVIDENCE_ID")
    which = mark.add_mutually_exclusive_group()
    which.add_argument("--important", dest="important", action="store_true", default=None)
    which.add_argument("--not-important", dest="important", action="store_false")
    mark.add_argument("--reason", default="", help="why (required)")
    mark.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    mark.add_argument("--json", action="store_true", help="a JSON report")
    mark.set_defaults(func=runs(cmd_mark))

    target = group.add_parser("target", help="replica targets of agencies")
    targets = target.add_subparsers(dest="target_command", metavar="COMMAND")
    set_ = targets.add_parser("set", help="give an agency its own replica (administrators)")
    set_.add_argument("url", metavar="URL")
    set_.add_argument("--agency", required=True, metavar="CODE", help="the region code")
    set_.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    set_.add_argument("--json", action="store_true", help="a JSON report")
    set_.set_defaults(func=runs(cmd_target_set))
    listing = targets.add_parser("list", help="list the replica targets")
    listing.add_argument("--json", action="store_true", help="a JSON list")
    listing.set_defaults(func=runs(cmd_target_list))

    # backup witness (issue 9 §3); witnessing.py imports Django, so only once it runs.
    witness = group.add_parser(
        "witness", help="ask the provincial witness to co-sign the latest checkpoint"
    )
    witness.add_argument("--json", action="store_true")
    witness.set_defaults(func=runs(cmd_witness))
    return group


def cmd_witness(args: argparse.Namespace) -> int:
    from lawtrail.replication.witnessing import cmd_witness as witness

    return witness(args)
