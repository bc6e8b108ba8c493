"""``lawtrail compliance …``: the full scan and the working-day calendar (issue 7).

- ``lawtrail compliance scan [--json] [--rule ID …] [--loop [--every S]]`` judges everything by
  every enabled rule; ``lawtrail serve`` runs it with ``--loop`` beside the web workers, since
  deadlines pass without any event. Between two scans the loop judges, every few seconds, what
  events touched (the outbox of ``hooks.py``).
- ``lawtrail compliance calendar load`` rewrites the working-day calendar from holidays.json.
- ``lawtrail compliance rules [--json]`` lists the rules with their articles and weights.

Exit status: 0 done, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from lawtrail.compliance import assessment_commands
from lawtrail.errors import UsageError
from lawtrail.evidence.upload_commands import every_seconds

#: Deadlines are counted in hours and days; a scan every ten minutes is on time for all.
EVERY = 600
#: Between scans, what events touched is judged within seconds (the outbox of hooks.py).
DRAIN_EVERY = 5


def cmd_scan(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.compliance.engine import evaluate
    from lawtrail.compliance.rules import rule_specs

    every = every_seconds(args.every, args.loop, EVERY)
    rules = args.rule or None
    if rules:
        unknown = sorted(set(rules) - set(rule_specs()))
        if unknown:
            raise UsageError(
                _("No such rule: %(rules)s. `lawtrail compliance rules` lists them.")
                % {"rules": ", ".join(unknown)}
            )
    if args.loop and args.json:
        raise UsageError(_("--json reports one scan; it does not go with --loop."))
    while True:
        report = evaluate(rules=rules, count=True)
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            print_report(report)
        if not args.loop:
            return 0
        sys.stdout.flush()
        drain_until(time.monotonic() + every)


def drain_until(deadline: float) -> None:
    """Between full scans, judge the outbox of incremental runs (hooks.py) every few seconds."""
    from lawtrail.compliance.tasks import drain_pending

    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(DRAIN_EVERY, left))
        drain_pending.call()


def print_report(report: Any) -> None:
    from django.utils.translation import gettext as _

    from lawtrail.compliance.rules import rule

    for run in report.rules:
        print(
            _(
                "%(rule)s (%(article)s): %(checked)d checked, %(breached)d breaking it, "
                "%(opened)d finding(s) opened, %(closed)d closed"
            )
            % {
                "rule": run.rule_id,
                "article": rule(run.rule_id).article,
                "checked": run.checked or 0,
                "breached": run.breached,
                "opened": run.opened,
                "closed": run.closed,
            }
        )
    print(
        _("full scan in %(seconds).1f s: %(opened)d opened, %(closed)d closed")
        % {"seconds": report.seconds, "opened": report.opened, "closed": report.closed}
    )


def cmd_calendar_load(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.compliance.calendar import holiday_data, load_calendar

    days = load_calendar()
    data = holiday_data()
    print(
        _(
            "calendar loaded: %(days)d days from %(first)s to %(last)s; "
            "official holidays for %(years)s"
        )
        % {
            "days": days,
            "first": data.first,
            "last": data.last,
            "years": ", ".join(str(y) for y in sorted(data.years)),
        }
    )
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from lawtrail.compliance.rules import rule_specs, weights

    current = weights()
    rows: list[dict[str, Any]] = [
        {
            "id": spec.id,
            "title": spec.title,
            "articles": list(spec.articles),
            "subject": spec.subject,
            "deadline": (
                {"amount": spec.deadline.amount, "unit": spec.deadline.unit}
                if spec.deadline
                else None
            ),
            "severity": spec.severity,
            "weight": current[spec.id],
        }
        for spec in rule_specs().values()
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(f"{row['id']}\t{'、'.join(row['articles'])}\t{row['weight']}\t{row['title']}")
    return 0


def add_parsers(sub: Any, setup: Callable[[], None]) -> None:
    def with_django(func: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
        def run(args: argparse.Namespace) -> int:
            setup()
            return func(args)

        return run

    group = sub.add_parser("compliance", help="compliance rules and findings (第二十四条)")
    commands = group.add_subparsers(dest="compliance_command")
    scan = commands.add_parser("scan", help="judge everything by every enabled rule")
    scan.add_argument("--json", action="store_true", help="print the report as JSON")
    scan.add_argument("--rule", action="append", help="only this rule (repeatable)")
    scan.add_argument("--loop", action="store_true", help="scan again and again")
    scan.add_argument("--every", help=f"seconds between scans with --loop (default {EVERY})")
    scan.set_defaults(func=with_django(cmd_scan))
    calendar = commands.add_parser("calendar", help="the working-day calendar")
    calendar_commands = calendar.add_subparsers(dest="calendar_command")
    load = calendar_commands.add_parser("load", help="reload the calendar from holidays.json")
    load.set_defaults(func=with_django(cmd_calendar_load))
    rules = commands.add_parser("rules", help="list the rules, articles and weights")
    rules.add_argument("--json", action="store_true")
    rules.set_defaults(func=with_django(cmd_rules))
    assessment_commands.add_parsers(commands, with_django)
