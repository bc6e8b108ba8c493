"""``lawtrail archive check [PACKAGE] [--json] [--deep] [--loop [--every S]]`` (issue 8 §5;
四性检测, DA/T 70-2018; 第十八条).

PACKAGE is a 档号, a package folder, or omitted (every package). A recorded package is checked
with ``run_checks`` (four ``PackageCheck`` rows and four ledger events); a folder that is no
recorded package — a copy handed over to an archive — with ``check_folder``, recording nothing.
``--deep`` re-hashes the originals referenced by digest in the store (otherwise only their
presence and size are checked). ``lawtrail serve`` runs ``check --loop`` beside the web workers
for the periodic checks.

Exit status: 0 every check passed; 1 a check failed (each failed item is named); 2 bad input
(no such 档号, not a bag, --json with --loop).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lawtrail.errors import UsageError

#: A day between periodic checks: the bags never change, so a daily pass finds damage in time.
EVERY = 24 * 3600


def find_packages(target: str | None) -> list[tuple[Any, Path]]:
    """(package row or None, folder) for each bag to check."""
    from django.utils.translation import gettext as _

    from lawtrail.archive.checks import package_folder
    from lawtrail.archive.models import ArchivePackage

    if not target:
        found = ArchivePackage.objects.select_related("matter").order_by("created_at", "id")
        return [(p, package_folder(p)) for p in found]
    row = ArchivePackage.objects.select_related("matter").filter(archive_number=target).first()
    if row is not None:
        return [(row, package_folder(row))]
    path = Path(target)
    if not path.is_dir():
        raise UsageError(
            _("%(target)s is neither an archive number nor a package folder.") % {"target": target}
        )
    resolved = path.resolve()
    for package in ArchivePackage.objects.select_related("matter").filter(archive_number=path.name):
        if package_folder(package).resolve() == resolved:
            return [(package, path)]
    return [(None, path)]


def check_one(package: Any, path: Path, occasion: str, deep: bool) -> dict[str, Any]:
    from django.utils.translation import gettext as _

    from lawtrail.archive.checks import NotABag, check_folder, run_checks

    if package is None:
        try:
            results = [r.as_dict() for r in check_folder(path, deep=deep)]
        except NotABag as error:
            raise UsageError(str(error)) from None
        name = path.name
    else:
        rows = run_checks(package, occasion, deep=deep)
        results = [{"property": r.property, "passed": r.passed, "items": r.items} for r in rows]
        name = package.archive_number
    return {
        "package": name,
        "path": str(path),
        "recorded": package is not None,
        "passed": all(r["passed"] for r in results),
        "results": results,
        "note": "" if package is not None else _("not a recorded package: nothing was recorded"),
    }


def print_report(report: dict[str, Any]) -> None:
    from django.utils.translation import gettext as _

    from lawtrail.archive.models import PackageCheck

    print(f"{report['package']}  {report['path']}")
    if report["note"]:
        print(f"  ({report['note']})")
    for result in report["results"]:
        label = PackageCheck.Property(result["property"]).label
        print(f"  {_('passed') if result['passed'] else _('FAILED')}  {label}")
        for entry in result["items"]:
            if not entry["passed"]:
                print(f"    - {entry['item']}: {entry['detail']}")


def run_once(target: str | None, occasion: str, deep: bool, as_json: bool) -> int:
    from django.utils.translation import gettext as _

    reports = [check_one(p, path, occasion, deep) for p, path in find_packages(target)]
    if as_json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    else:
        for report in reports:
            print_report(report)
    failed = [
        f"{r['package']} ({', '.join(x['property'] for x in r['results'] if not x['passed'])})"
        for r in reports
        if not r["passed"]
    ]
    if failed:
        print(
            _("四性 checks FAILED: %(packages)s") % {"packages": "; ".join(failed)}, file=sys.stderr
        )
        return 1
    if not as_json:
        print(_("%(n)d package(s) checked, all four properties passed.") % {"n": len(reports)})
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.evidence.upload_commands import every_seconds

    every = every_seconds(args.every, args.loop, EVERY)
    if args.loop and args.json:
        raise UsageError(_("--json reports one check; it does not go with --loop."))
    if not args.loop:
        return run_once(args.package, "manual", args.deep, args.json)
    while True:
        run_once(args.package, "periodic", args.deep, False)
        sys.stdout.flush()
        time.sleep(every)


def add_check_parser(group: Any, setup: Callable[[], None]) -> None:
    """Register ``check`` on the ``archive`` group's subparsers (``group.add_parser``)."""

    def run(args: argparse.Namespace) -> int:
        setup()
        return cmd_check(args)

    check = group.add_parser("check", help="the four checks (四性, DA/T 70) of archive packages")
    check.add_argument(
        "package", nargs="?", metavar="PACKAGE", help="a 档号 or a package folder; default: all"
    )
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument(
        "--deep", action="store_true", help="re-hash originals referenced in the store"
    )
    check.add_argument("--loop", action="store_true", help="check again and again (periodic)")
    check.add_argument("--every", help=f"seconds between checks with --loop (default {EVERY})")
    check.set_defaults(func=run)
