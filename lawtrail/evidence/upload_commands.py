"""``lawtrail uploads expire``: the tus expiration sweep from the command line (issue 4 §3).

Uploads past ``expires_at`` that never completed lose their part file and are marked expired,
each with an ``upload.expired`` ledger event (``uploads.expire_uploads``). ``lawtrail serve``
runs ``lawtrail uploads expire --loop`` beside the web workers, so an operator needs this only
to sweep by hand or to look first with ``--dry-run``.

Exit status: 0 fine (also when nothing was due), 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from lawtrail.errors import UsageError

#: How often ``--loop`` sweeps unless told otherwise, in seconds. Expiry is counted in hours
#: (``LAWTRAIL_UPLOAD_EXPIRY_HOURS``), so a few minutes late is nothing.
EVERY = 300


def every_seconds(raw: str | None, loop: bool, default: int = EVERY) -> int:
    """The ``--every`` of a ``--loop`` command (shared by the other looping commands)."""
    from django.utils.translation import gettext as _

    if raw is None:
        return default
    if not loop:
        raise UsageError(_("--every only goes with --loop."))
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise UsageError(
            _("--every is a whole number of seconds, at least 1, not %(value)s.")
            % {"value": repr(raw)}
        )
    return int(raw)


def cmd_expire(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    every = every_seconds(args.every, args.loop)
    if args.loop and args.dry_run:
        raise UsageError(_("--dry-run looks once; it does not go with --loop."))
    if args.loop:
        return expire_loop(every)
    if args.dry_run:
        return report_due(args.json)
    from lawtrail.evidence.uploads import expire_uploads

    expiry = expire_uploads()
    if args.json:
        print(
            json.dumps(
                {
                    "expired": [describe(upload) for upload in expiry.expired],
                    "busy": [str(upload.pk) for upload in expiry.busy],
                    "leftover_part_files_removed": expiry.leftovers,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for upload in expiry.expired:
        print(
            _("expired upload %(id)s (%(offset)d of %(length)d bytes had arrived)")
            % {"id": upload.pk, "offset": upload.offset, "length": upload.length}
        )
    for upload in expiry.busy:
        print(
            _("upload %(id)s is being written to; it is left for the next sweep")
            % {"id": upload.pk}
        )
    if expiry.leftovers:
        print(_("removed %(n)d leftover part file(s)") % {"n": expiry.leftovers})
    if not (expiry.expired or expiry.busy or expiry.leftovers):
        print(_("no upload is due to expire"))
    return 0


def describe(upload: Any) -> dict[str, Any]:
    return {
        "id": str(upload.pk),
        "offset": upload.offset,
        "length": upload.length,
        "created_by": upload.created_by.get_username(),
        "created_at": upload.created_at.isoformat(),
        "expires_at": upload.expires_at.isoformat(),
        "filename": upload.metadata.get("filename", ""),
    }


def report_due(as_json: bool) -> int:
    """``--dry-run``: the uploads a sweep would expire now; nothing changes."""
    from django.utils.translation import gettext as _

    from lawtrail.evidence.uploads import due_for_expiry

    due = [describe(upload) for upload in due_for_expiry().select_related("created_by")]
    if as_json:
        print(json.dumps({"due": due}, ensure_ascii=False, indent=2))
        return 0
    for item in due:
        print(
            _(
                "would expire upload %(id)s of %(created_by)s (%(offset)d of %(length)d bytes, "
                "expired %(expires_at)s)"
            )
            % item
        )
    if not due:
        print(_("no upload is due to expire"))
    return 0


def expire_loop(every: int) -> int:
    """Sweep every ``every`` seconds until stopped; run by ``lawtrail serve``."""
    from django.db import close_old_connections
    from django.db.utils import DatabaseError
    from django.utils.translation import gettext as _

    from lawtrail.evidence.uploads import expire_uploads

    while True:
        close_old_connections()
        try:
            expiry = expire_uploads()
        except (DatabaseError, OSError) as error:  # try again at the next round
            message = _("upload expiry sweep failed: %(error)s") % {"error": error}
            print(f"lawtrail: {message}", file=sys.stderr, flush=True)
        else:
            if expiry.expired:
                count = len(expiry.expired)
                print(_("expired %(n)d abandoned upload(s)") % {"n": count}, flush=True)
        time.sleep(every)


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Register ``uploads expire`` on the main parser's subparsers."""

    def run(args: argparse.Namespace) -> int:
        setup()
        return cmd_expire(args)

    uploads = sub.add_parser(
        "uploads", help="resumable (tus) uploads", description="Resumable (tus) uploads."
    ).add_subparsers(dest="uploads_command", metavar="COMMAND")
    expire = uploads.add_parser(
        "expire",
        help="expire uploads past their expiry time that never completed",
        description=(
            "Remove the bytes of every upload past its expiry time (LAWTRAIL_UPLOAD_EXPIRY_HOURS "
            "after it began) that never completed, and mark it expired with a ledger event; "
            "it then answers 410 Gone. Complete uploads and evidence are never touched. "
            "lawtrail serve runs this every few minutes."
        ),
    )
    expire.add_argument("--dry-run", action="store_true", help="list what would expire")
    expire.add_argument("--json", action="store_true", help="answer in JSON")
    expire.add_argument("--loop", action="store_true", help="sweep again and again, until stopped")
    expire.add_argument(
        "--every", metavar="SECONDS", help=f"with --loop: seconds between sweeps ({EVERY})"
    )
    expire.set_defaults(func=run)
