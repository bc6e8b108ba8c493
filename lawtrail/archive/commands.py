"""``lawtrail archive create MATTER_NUMBER`` and ``lawtrail archive check [PACKAGE]`` (issue 8 §5).

``create`` archives a matter's case file as the named login (the agency's records custodian or
its head, 第十九条), printing its progress and, on its last line, the package's folder alone,
so that scripts can take ``| tail -n 1``. With ``--json`` it prints one JSON object instead.

Exit status of ``create``: 0 archived; 1 refused because the case file is not ready (every unmet
condition is listed on stderr, with its article) or the package could not be made; 2 a usage
error (no such matter or login, an ambiguous matter number, not allowed to archive).
``check`` lives in ``check_commands.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from lawtrail.errors import UsageError


def find_matter(number: str, region: str | None) -> Any:
    from django.utils.translation import gettext as _

    from lawtrail.matters.models import Matter

    found = Matter.objects.filter(number=number.strip()).select_related("agency")
    if region:
        found = found.filter(agency__region_code=region.strip())
    matters = list(found[:10])
    if not matters:
        raise UsageError(_("There is no matter numbered %(n)s.") % {"n": number})
    if len(matters) > 1:
        regions = ", ".join(sorted(m.agency.region_code for m in matters))
        raise UsageError(
            _(
                "Several agencies have a matter numbered %(n)s (%(regions)s); "
                "name one with --agency."
            )
            % {"n": number, "regions": regions}
        )
    return matters[0]


def cmd_create(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.utils.translation import gettext as _

    from lawtrail.archive.actions import archive_matter
    from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound, Refused
    from lawtrail.evidence.commands import acting_user

    if not args.acting:
        raise UsageError(_("Name who archives with --as USERNAME (the records custodian or head)."))
    user = acting_user(args.acting)
    matter = find_matter(args.matter, args.agency)
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    say(
        _("Archiving the case file of %(n)s (%(title)s)…")
        % {"n": matter.number, "title": matter.title}
    )
    try:
        package = archive_matter(user, matter)
    except Refused as error:
        if args.json:
            print(json.dumps(error.as_dict(), ensure_ascii=False, indent=2))
        print(_("refused: %(detail)s") % {"detail": error.message}, file=sys.stderr)
        for unmet in error.unmet:
            print(f"  - [{unmet.code}] {unmet.message} ({unmet.article})", file=sys.stderr)
        return 1
    except (Forbidden, NotFound, Invalid) as error:
        raise UsageError(error.message) from None
    except ActionError as error:
        print(_("failed: %(detail)s") % {"detail": error.message}, file=sys.stderr)
        return 1
    path = settings.LAWTRAIL_ARCHIVE_DIR / package.path
    checks = list(package.checks.order_by("property"))
    if args.json:
        print(
            json.dumps(
                {
                    "archive_number": package.archive_number,
                    "path": str(path),
                    "retention": package.retention,
                    "bag_sha256": package.bag_sha256,
                    "payload_oxum": package.payload_oxum,
                    "files": package.files,
                    "references": package.references,
                    "checks": {c.property: c.passed for c in checks},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(
        _(
            "archive number %(number)s, %(files)d files (%(refs)d referenced by digest), "
            "SHA-256 of the tag manifest %(sha)s"
        )
        % {
            "number": package.archive_number,
            "files": package.files,
            "refs": package.references,
            "sha": package.bag_sha256,
        }
    )
    for check in checks:
        print(
            _("四性 check %(property)s: %(result)s")
            % {
                "property": check.get_property_display(),
                "result": _("passed") if check.passed else _("FAILED"),
            }
        )
    print(path)
    return 0


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Register the ``archive`` group on the main parser's subparsers."""
    from lawtrail.archive import check_commands

    def with_django(
        func: Callable[[argparse.Namespace], int],
    ) -> Callable[[argparse.Namespace], int]:
        def run(args: argparse.Namespace) -> int:
            setup()
            return func(args)

        return run

    group = sub.add_parser("archive", help="case files and archive packages (第十八条)")
    commands = group.add_subparsers(dest="archive_command")
    create = commands.add_parser(
        "create",
        help="archive a matter's case file as a validated BagIt package; prints its folder last",
    )
    create.add_argument("matter", metavar="MATTER_NUMBER")
    create.add_argument(
        "--agency", metavar="REGION_CODE", help="the agency's region code, when numbers clash"
    )
    create.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(func=with_django(cmd_create))
    check_commands.add_check_parser(commands, setup)
