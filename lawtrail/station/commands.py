"""``lawtrail station run``: the collection-station agent's command line (no Django).

``add_run_parser`` puts ``run`` into the ``station`` command group of ``lawtrail/cli.py``; the
agent itself is imported only when ``run`` runs, so the group's other commands (``register``,
``revoke`` in ``lawtrail/devices``) do not load it, and ``run`` never loads Django.

Exit status: 0 stopped by SIGTERM/SIGINT, 2 a bad argument (one sentence), 3 the server refused
the station token (wrong or revoked).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from lawtrail.errors import UsageError

RUN_DESCRIPTION = (
    "Watch DIR, where docked cameras appear (one folder per device), and upload every stable "
    "recording to the lawtrail server over tus with resume (第十九条). A file is moved into "
    ".lawtrail-cleared/ on its device (or deleted, with --clear) only after the server has made "
    "it evidence with the same SHA-256 and size. Runs until SIGTERM or Ctrl-C."
)


def cmd_run(args: argparse.Namespace) -> int:
    from lawtrail.station.agent import run_agent
    from lawtrail.station.config import from_args

    return run_agent(from_args(args))


def add_run_parser(station: Any) -> argparse.ArgumentParser:
    """Add ``run`` to the subparsers of the ``station`` group."""
    run: argparse.ArgumentParser = station.add_parser(
        "run",
        help="run the collection-station agent on the dock PC",
        description=RUN_DESCRIPTION,
    )
    run.add_argument("--server", required=True, metavar="URL", help="the lawtrail server")
    run.add_argument(
        "--token",
        metavar="TOKEN",
        help="the station's token (or --token-file, or LAWTRAIL_STATION_TOKEN)",
    )
    run.add_argument("--token-file", metavar="PATH", help="a file holding the station's token")
    run.add_argument("--watch", required=True, metavar="DIR", help="where devices are mounted")
    run.add_argument(
        "--parallel", default="4", metavar="N", help="devices uploading at once (4; 1 to 64)"
    )
    run.add_argument(
        "--stable-seconds",
        default="5",
        metavar="S",
        help="a file is taken once its size and time have not changed for S seconds (5)",
    )
    run.add_argument(
        "--journal",
        metavar="PATH",
        help="the local journal (SQLite); default $STATE_DIRECTORY/journal.sqlite3 or "
        "~/.local/state/lawtrail-station/journal.sqlite3",
    )
    run.add_argument(
        "--layout",
        action="append",
        metavar="PATTERN",
        help="how file names are made, e.g. {serial}_{officer}_{start}_{seq}.{ext} (the default)"
        "; repeatable, the first that matches wins",
    )
    run.add_argument(
        "--clear",
        action="store_true",
        help="delete confirmed files instead of moving them into .lawtrail-cleared/",
    )
    run.add_argument(
        "--chunk-mib", default="32", metavar="N", help="MiB per PATCH, each with its checksum (32)"
    )
    run.add_argument(
        "--max-backoff",
        default="60",
        metavar="SECONDS",
        help="longest wait between tries while the server is unreachable (60)",
    )
    run.add_argument(
        "--heartbeat", default="30", metavar="SECONDS", help="seconds between heartbeats (30)"
    )
    run.add_argument("--ca-file", metavar="PATH", help="CA certificates to trust (https)")
    run.add_argument("--client-cert", metavar="PATH", help="client certificate (mutual TLS)")
    run.add_argument("--client-key", metavar="PATH", help="its private key")
    run.add_argument("--verbose", action="store_true", help="log every request's trouble")
    run.set_defaults(func=cmd_run)
    return run


def add_parsers(sub: Any) -> Any:
    """A ``station`` group with ``run`` in it, for a parser that has none yet; returns the
    group's subparsers so that other commands can join it."""
    station = sub.add_parser(
        "station",
        help="the collection station (采集站)",
        description="The collection station (采集站) of 第十九条.",
    ).add_subparsers(dest="station_command", metavar="COMMAND")
    add_run_parser(station)
    return station


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lawtrail.station run …``."""
    parser = argparse.ArgumentParser(prog="lawtrail-station", description=RUN_DESCRIPTION)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_run_parser(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return int(exit.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
    except UsageError as error:
        print(f"lawtrail station: {error}", file=sys.stderr)
        return 2
    return code
