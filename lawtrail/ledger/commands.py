"""``lawtrail ledger …`` and ``lawtrail verify``: the ledger from the command line.

Exit status: 0 fine, 1 problems found, 2 usage or input error (raised as ``UsageError``).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lawtrail.errors import UsageError

Handler = Callable[[argparse.Namespace], int]


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from lawtrail.ledger import checkpoints

    if args.loop:
        return checkpoint_loop()

    try:
        made = checkpoints.make_checkpoint()
    except checkpoints.KeyMissing as error:
        raise UsageError(str(error)) from None
    except checkpoints.InconsistentLog as error:
        print(f"lawtrail: refusing to sign: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(checkpoints.served_note(made))
    return 0


def checkpoint_loop(rounds: int | None = None) -> int:
    """Sign a checkpoint whenever one is due (N seconds or M events); run by ``serve``.

    One bad round (the database locked or gone, anything unexpected) is logged and the next
    round tries again: the loop must outlive it, or time-based checkpoints stop silently.
    ``rounds`` bounds the loop for tests."""
    import time

    done = 0
    while rounds is None or done < rounds:
        checkpoint_round()
        done += 1
        if rounds is None or done < rounds:
            time.sleep(min(5, max(1, settings_seconds() // 4)))
    return 0


def checkpoint_round() -> None:
    """One round of the loop; never raises an ``Exception``."""
    import logging

    from django.db import DatabaseError, close_old_connections

    from lawtrail.ledger import checkpoints

    log = logging.getLogger("lawtrail.ledger.checkpoints")
    try:
        close_old_connections()
        if checkpoints.checkpoint_due():
            checkpoints.make_checkpoint()
    except (checkpoints.KeyMissing, checkpoints.InconsistentLog) as error:
        print(f"lawtrail: checkpoint not made: {error}", file=sys.stderr, flush=True)
    except DatabaseError as error:
        log.error("ledger checkpoint not made (database error, retrying): %s", error)
        drop_connections()
    except Exception:
        log.exception("ledger checkpoint not made (unexpected error, retrying)")
        drop_connections()


def drop_connections() -> None:
    """After a failed round, close connections that are broken so the next round reconnects."""
    import logging

    from django.db import close_old_connections

    try:
        close_old_connections()
    except Exception:  # closing a dead connection can fail too; the next round reconnects
        logging.getLogger("lawtrail.ledger.checkpoints").exception("closing connections failed")


def settings_seconds() -> int:
    from django.conf import settings

    return int(settings.LAWTRAIL_CHECKPOINT_SECONDS)


def verify_report(as_json: bool, *, with_store: bool = False) -> int:
    from lawtrail.ledger import checkpoints
    from lawtrail.ledger.verification import verify_log

    try:
        verifier = checkpoints.verifier()
    except checkpoints.KeyMissing as error:
        raise UsageError(str(error)) from None
    report = verify_log(verifier)
    store = None
    others: dict[str, Any] = {}
    if with_store:  # originals and working copies re-hashed; logs ``verify.completed``
        from lawtrail.evidence.sanity import verify_store

        store = verify_store(ledger_ok=report.ok)
        others = verify_beyond_the_store()
    if as_json:
        document: dict[str, Any] = {"ledger": report.as_dict()}
        if store is not None:
            document["store"] = store.as_dict()
        for name, other in others.items():
            document[name] = other.as_dict()
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(
            f"ledger: {report.events} events, {report.nodes_checked} tree nodes, "
            f"{report.checkpoints} signed checkpoints checked"
        )
        if report.ok:
            print("ledger: OK — every event matches the signed checkpoints")
        else:
            first = report.first_bad_event
            named = f"; first event that differs: #{first}" if first is not None else ""
            print(f"ledger: {len(report.problems)} problem(s){named}")
            for problem in report.problems:
                print(f"  - [{problem.kind}] {problem.message}")
        for line in store.lines() if store is not None else []:
            print(line)
        for other in others.values():
            for line in other.lines():
                print(line)
    fine = report.ok and (store is None or store.ok) and all(o.ok for o in others.values())
    return 0 if fine else 1


def verify_beyond_the_store() -> dict[str, Any]:
    """DESIGN.md invariant 6: a flipped bit in an archive package or on the provincial replica
    is found by ``lawtrail verify`` too. Packages get their four checks (recorded, as every
    check is); the replica, when one is set, is read back and compared by digest."""
    from lawtrail.archive.checks import verify_all_packages
    from lawtrail.ledger import witness
    from lawtrail.replication.replica import all_targets
    from lawtrail.replication.restore import verify_replica

    found: dict[str, Any] = {"archive": verify_all_packages()}
    if all_targets():
        found["replica"] = verify_replica(deep=True)
    if witness.is_witness_node():  # refused split views are findings here (第二十六条)
        found["witness"] = witness.alarm_report()
    return found


def cmd_verify_all(args: argparse.Namespace) -> int:
    return verify_report(args.json, with_store=True)


def cmd_verify(args: argparse.Namespace) -> int:
    return verify_report(args.json)


def cmd_prove(args: argparse.Namespace) -> int:
    from lawtrail.ledger import checkpoints, proofs
    from lawtrail.ledger.models import Event

    event = Event.objects.filter(seq=args.event_id).first()
    if event is None:
        raise UsageError(f"There is no event #{args.event_id}.")
    try:
        latest = checkpoints.latest()
        if latest is None or latest.size <= event.seq:
            latest = checkpoints.make_checkpoint()
        bundle = proofs.bundle(event, latest)
    except checkpoints.KeyMissing as error:
        raise UsageError(str(error)) from None
    except checkpoints.InconsistentLog as error:
        print(f"lawtrail: refusing to sign a checkpoint for the proof: {error}", file=sys.stderr)
        return 1
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text)
        print(f"proof bundle written to {args.out}; check it offline with:")
        print(f"  python {verifier_path()} {args.out} --key verifier-key.txt")
    else:
        sys.stdout.write(text)
    return 0


def verifier_path() -> Path:
    return Path(__file__).with_name("verifier.py")


def cmd_verifier_path(args: argparse.Namespace) -> int:
    print(verifier_path())
    return 0


def cmd_witness_init(args: argparse.Namespace) -> int:
    from lawtrail.ledger import witness

    try:
        print(witness.ensure_witness_key(args.name))
    except ValueError as error:
        raise UsageError(str(error)) from None
    return 0


def cmd_witness_follow(args: argparse.Namespace) -> int:
    from lawtrail.ledger import note, witness

    try:
        log = witness.follow_log(args.origin, args.verifier_key)
    except (note.NoteError, witness.WitnessError) as error:
        raise UsageError(str(error)) from None
    print(f"witnessing {log.origin} (last co-signed size {log.size})")
    return 0


def cmd_witness_alarms(args: argparse.Namespace) -> int:
    """List the split views and rewritten histories this witness refused; exit 1 if any, so
    a monitoring job notices (第二十六条: refused and reported)."""
    from django.utils.translation import gettext as _

    from lawtrail.ledger import witness

    rows = witness.alarm_rows(args.origin)
    if args.json:
        print(json.dumps({"alarms": rows}, ensure_ascii=False, indent=2))
    elif not rows:
        print(_("no witness alarms"))
    else:
        for row in rows:
            print(witness.alarm_line(row))
    return 1 if rows else 0


def post(url: str, token: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError as error:
        raise UsageError(f"Cannot reach the witness at {url}: {error.reason}") from None


def cmd_witness_request(args: argparse.Namespace) -> int:
    """Ask a witness to co-sign our latest checkpoint; store its cosignature."""
    from lawtrail.ledger import checkpoints, note, tree, witness
    from lawtrail.ledger.models import Checkpoint

    try:
        witness_verifier = note.Verifier.from_key(args.witness_key)
    except note.NoteError as error:
        raise UsageError(f"--witness-key: {error}") from None
    latest = checkpoints.latest() or checkpoints.make_checkpoint()
    url = args.url.rstrip("/") + "/api/v1/witness/add-checkpoint"
    last = (
        Checkpoint.objects.filter(cosignatures__witness=witness_verifier.name)
        .order_by("-size")
        .first()
    )
    old = last.size if last else 0
    for _attempt in range(2):
        proof = tree.consistency_proof(old, latest.size) if 0 < old < latest.size else []
        status, body = post(url, args.token, witness.build_request(old, proof, latest.note))
        if status == 409 and body.strip().isdigit() and int(body) != old:
            old = int(body)  # the witness knows a different size; prove from there
            continue
        break
    if status != 200:
        print(
            f"lawtrail: the witness refused checkpoint {latest.size}: {status} {body.strip()}",
            file=sys.stderr,
        )
        return 1
    try:
        witness.store_cosignature(latest, body, witness_verifier)
    except note.NoteError as error:
        print(f"lawtrail: the witness's answer does not verify: {error}", file=sys.stderr)
        return 1
    print(f"checkpoint {latest.size} co-signed by {witness_verifier.name}")
    return 0


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    """Register ``ledger`` and ``verify`` on the main parser's subparsers."""

    def wrap(func: Handler) -> Handler:
        def run(args: argparse.Namespace) -> int:
            setup()
            return func(args)

        return run

    verify = sub.add_parser("verify", help="re-hash what is stored and check the ledger")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=wrap(cmd_verify_all))

    ledger = sub.add_parser("ledger", help="the tamper-evident event log").add_subparsers(
        dest="ledger_command"
    )
    checkpoint = ledger.add_parser("checkpoint", help="sign a checkpoint of the log now")
    checkpoint.add_argument(
        "--loop", action="store_true", help="keep signing whenever a checkpoint is due"
    )
    checkpoint.set_defaults(func=wrap(cmd_checkpoint))
    lverify = ledger.add_parser("verify", help="recompute the tree and check every checkpoint")
    lverify.add_argument("--json", action="store_true")
    lverify.set_defaults(func=wrap(cmd_verify))
    prove = ledger.add_parser("prove", help="print a proof bundle for one event")
    prove.add_argument("event_id", type=int, help="the event's sequence number")
    prove.add_argument("--out", help="write the bundle to this file")
    prove.set_defaults(func=wrap(cmd_prove))
    ledger.add_parser("verifier-path", help="where the standalone verifier is").set_defaults(
        func=cmd_verifier_path
    )
    wit = ledger.add_parser("witness", help="co-signing checkpoints").add_subparsers(
        dest="witness_command"
    )
    winit = wit.add_parser("init", help="create this node's witness key")
    winit.add_argument("name", help="the witness's name, e.g. province.example/witness")
    winit.set_defaults(func=wrap(cmd_witness_init))
    follow = wit.add_parser("follow", help="start witnessing a log")
    follow.add_argument("origin")
    follow.add_argument("verifier_key")
    follow.set_defaults(func=wrap(cmd_witness_follow))
    alarms = wit.add_parser(
        "alarms", help="list the checkpoints this witness refused (exit 1 if there are any)"
    )
    alarms.add_argument("--origin", help="only the alarms about this log")
    alarms.add_argument("--json", action="store_true")
    alarms.set_defaults(func=wrap(cmd_witness_alarms))
    request = wit.add_parser("request", help="ask a witness to co-sign our latest checkpoint")
    request.add_argument("--url", required=True, help="the witness node's base URL")
    request.add_argument("--token", required=True, help="an API token on the witness node")
    request.add_argument("--witness-key", required=True, help="the witness's verifier key")
    request.set_defaults(func=wrap(cmd_witness_request))
