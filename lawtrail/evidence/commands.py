"""``lawtrail ingest FILE…``: bring recordings in from the command line (issue 4 §7).

The acting login is named with ``--as USERNAME`` and is always required: the acquisition and
its ledger event record who brought the file in, and the command never guesses it (not even
when only one login exists). Everything declared is checked before a byte is stored; a missing
file, a folder, an unknown matter or officer, or a bad time exits 2 with a sentence.

Exit status: 0 every file stored, 1 a file failed while being stored (the others are kept),
2 usage or input error (nothing stored).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lawtrail.errors import UsageError

Handler = Callable[[argparse.Namespace], int]


def check_files(names: list[str]) -> list[Path]:
    """Every FILE must be a readable regular file; say which one is not, and why."""
    from django.utils.translation import gettext as _

    paths = []
    for name in names:
        path = Path(name)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise UsageError(_("%(f)s: no such file.") % {"f": name}) from None
        except OSError as error:
            raise UsageError(
                _("%(f)s cannot be read (%(e)s).") % {"f": name, "e": error.strerror}
            ) from None
        if stat.S_ISDIR(mode):
            raise UsageError(_("%(f)s is a folder; name the files in it instead.") % {"f": name})
        if not stat.S_ISREG(mode):
            raise UsageError(_("%(f)s is not a regular file.") % {"f": name})
        if not os.access(path, os.R_OK):
            raise UsageError(_("%(f)s: permission denied.") % {"f": name})
        paths.append(path)
    return paths


def acting_user(username: str | None) -> Any:
    from django.utils.translation import gettext as _

    if not username:
        raise UsageError(
            _("Name who is bringing the files in with --as USERNAME; the acquisition records it.")
        )
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UsageError(_("There is no user named %(u)s.") % {"u": username})
    if not user.is_active:
        raise UsageError(_("The login %(u)s is deactivated.") % {"u": username})
    return user


@contextmanager
def progress_bar(paths: list[Path]) -> Iterator[Callable[[Path], Callable[[int], object]]]:
    """A rich progress bar on stderr when it is a terminal; otherwise silent."""
    if not sys.stderr.isatty():
        yield lambda path: lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:

        def start(path: Path) -> Callable[[int], object]:
            task = progress.add_task(path.name, total=path.stat().st_size)
            return lambda n: progress.advance(task, n)

        yield start


def cmd_ingest(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.errors import ActionError
    from lawtrail.evidence.ingest import IngestInput, clean, ingest_file
    from lawtrail.storage import StoreError

    paths = check_files(args.files)
    user = acting_user(args.acting)

    def declared(path: Path) -> IngestInput:
        return IngestInput(
            source="cli",
            filename=path.name,
            matter=args.matter,
            officer=args.officer,
            device=args.device,
            station=args.station,
            recorded_from=args.recorded_from,
            recorded_to=args.recorded_to,
        )

    try:
        clean(user, declared(paths[0]))  # the same facts for every file: check them once
    except ActionError as error:
        raise UsageError(error.message) from None
    results: list[dict[str, Any]] = []
    failed = 0
    with progress_bar(paths) as start:
        for path in paths:
            try:
                acquisition = ingest_file(user, path, declared(path), progress=start(path))
            except (ActionError, StoreError, OSError) as error:
                failed += 1
                message = error.message if isinstance(error, ActionError) else str(error)
                print(
                    "lawtrail: " + _("%(f)s: not stored: %(m)s") % {"f": path, "m": message},
                    file=sys.stderr,
                )
                continue
            evidence = acquisition.evidence
            again = evidence.acquisitions.exclude(pk=acquisition.pk).exists()
            results.append(
                {
                    "file": str(path),
                    "id": evidence.pk,
                    "acquisition": acquisition.pk,
                    "sha256": evidence.sha256,
                    "sm3": evidence.sm3,
                    "size": evidence.size,
                    "kind": evidence.kind,
                    "readable": evidence.readable,
                    "already_stored": again,
                    # 第二十三条: what the device registry found; the file is kept regardless.
                    "findings": findings_of(acquisition),
                }
            )
            if not args.json:
                print(describe(results[-1]))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def findings_of(acquisition: Any) -> list[dict[str, str]]:
    from lawtrail.devices.findings import Finding

    return [Finding(row.code, row.detail).as_dict() for row in acquisition.findings.order_by("id")]


def describe(result: dict[str, Any]) -> str:
    from django.utils.translation import gettext as _

    notes = []
    if result["already_stored"]:
        notes.append(_("identical bytes were already stored; a new acquisition was recorded"))
    if not result["readable"]:
        notes.append(_("unreadable media, kept as evidence"))
    for finding in result["findings"]:
        notes.append(_("finding (%(article)s): %(message)s") % finding)
    text = _("%(file)s: evidence %(id)d (%(kind)s, %(size)d bytes) sha256 %(sha256)s sm3 %(sm3)s")
    return text % result + "".join(f"; {note}" for note in notes)


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Register ``ingest`` on the main parser's subparsers."""

    def run(args: argparse.Namespace) -> int:
        setup()
        return cmd_ingest(args)

    ingest = sub.add_parser(
        "ingest",
        help="store recordings as evidence (SHA-256 and SM3, probed, logged)",
        description=(
            "Store each FILE as evidence: both digests are computed while it is copied into "
            "the store, the media is probed, and the acquisition is a ledger event. Identical "
            "bytes are stored once. --as names the acting login and is required."
        ),
    )
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    ingest.add_argument("--matter", default="", metavar="NUMBER", help="bind to this matter")
    ingest.add_argument("--device", default="", metavar="SERIAL", help="the recording device")
    ingest.add_argument(
        "--officer", default="", metavar="CERT_NO", help="the recording officer's 执法证 number"
    )
    ingest.add_argument("--station", default="", help="the collection station")
    ingest.add_argument("--recorded-from", default="", metavar="ISO_TIME")
    ingest.add_argument("--recorded-to", default="", metavar="ISO_TIME")
    ingest.add_argument("--json", action="store_true", help="one JSON object per file")
    ingest.set_defaults(func=run)
