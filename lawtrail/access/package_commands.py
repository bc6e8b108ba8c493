"""``lawtrail package build|verify``: copy packages for courts and 复议机关 (第二十条).

``build`` makes the package as the named login (whose right to copy is checked as for
downloading originals until the access app's grants decide it); ``verify`` runs the same
standalone verifier the recipient gets, without Django. Exit status: 0 fine, 1 the package does
not verify, 2 a usage or input error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lawtrail.errors import UsageError


def cmd_build(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.access.packages import Recipient, build_package
    from lawtrail.errors import ActionError
    from lawtrail.evidence.commands import acting_user

    user = acting_user(args.acting)
    try:
        result = build_package(
            user,
            args.evidence,
            Recipient(args.recipient, args.organisation, args.request_number),
            args.originals,
            Path(args.out),
        )
    except ActionError as error:
        raise UsageError(error.message) from None
    print(
        _("package %(id)s written to %(path)s (%(size)d bytes, SHA-256 %(sha)s)")
        % {"id": result.package_id, "path": result.path, "size": result.size, "sha": result.sha256}
    )
    print(
        _("ledger event #%(seq)d, checkpoint of size %(cp)d; %(n)d file(s)")
        % {"seq": result.event_seq, "cp": result.checkpoint_size, "n": len(result.files)}
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from lawtrail.ledger import package_verifier

    argv = [args.package, *(["--key", args.key] if args.key else [])]
    return package_verifier.main(argv)


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Register the ``package`` group on the main parser's subparsers."""

    def with_django(args: argparse.Namespace) -> int:
        setup()
        return cmd_build(args)

    group = sub.add_parser("package", help="verifiable copy packages for courts (第二十条)")
    commands = group.add_subparsers(dest="package_command")
    build = commands.add_parser(
        "build", help="write a copy package: watermarked copies, originals, proofs, verifier"
    )
    build.add_argument("--evidence", type=int, action="append", required=True, metavar="ID")
    build.add_argument("--recipient", required=True, help="the recipient's name")
    build.add_argument("--organisation", default="", help="the court or 复议机关")
    build.add_argument("--request-number", required=True, help="the copy request's number")
    build.add_argument("--originals", action="store_true", help="include the originals")
    build.add_argument("--out", required=True, help="the .zip to write (must not exist)")
    build.add_argument("--as", dest="acting", metavar="USERNAME", help="the acting login")
    build.set_defaults(func=with_django)
    verify = commands.add_parser("verify", help="verify a copy package offline")
    verify.add_argument("package")
    verify.add_argument("--key", help="a file with the log's verifier key")
    verify.set_defaults(func=cmd_verify)
