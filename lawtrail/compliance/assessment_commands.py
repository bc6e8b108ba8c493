"""``lawtrail compliance assess`` and ``lawtrail compliance audit`` (第二十四条, 第十一条).

- ``assess --year Y [--xlsx PATH] [--pdf PATH] [--json] [--publish --as USERNAME]
  [--verify-ledger]`` prints the scores of the year (and writes the exports); ``--publish``
  stores them with their ledger event; ``--verify-ledger`` counts the latest published
  assessment again from the ledger and names every difference (exit 1 when there is one).
- ``audit draw --agency REGION_CODE --size N [--from DATE --to DATE] [--seed S] --as USERNAME``
  draws an internal-audit sample; ``audit show SAMPLE_ID [--json]`` prints one.

Exit status: 0 done, 1 the ledger disagrees, 2 usage or input error (nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from lawtrail.errors import UsageError


def output_path(value: str | None, suffix: str) -> Path | None:
    from django.utils.translation import gettext as _

    if not value:
        return None
    path = Path(value)
    if path.suffix.lower() != suffix:
        raise UsageError(
            _("%(path)s: the file name must end in %(suffix)s.") % {"path": value, "suffix": suffix}
        )
    if path.exists():
        raise UsageError(_("%(path)s exists already; name a new file.") % {"path": value})
    if not path.parent.is_dir():
        raise UsageError(
            _("%(path)s: there is no folder %(dir)s.") % {"path": value, "dir": path.parent}
        )
    return path


@contextlib.contextmanager
def new_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file that is removed again if writing it fails."""
    with path.open("xb") as out:
        try:
            yield out
        except BaseException:
            out.close()
            path.unlink(missing_ok=True)
            raise


def cmd_assess(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.compliance import assessment, exports
    from lawtrail.errors import ActionError
    from lawtrail.evidence.commands import acting_user

    try:
        year = assessment.clean_year(args.year)
    except ActionError as error:
        raise UsageError(error.message) from None
    xlsx = output_path(args.xlsx, ".xlsx")
    pdf = output_path(args.pdf, ".pdf")
    if xlsx and pdf and xlsx.resolve() == pdf.resolve():
        raise UsageError(_("--xlsx and --pdf name the same file."))
    if args.acting and not args.publish:
        raise UsageError(_("--as names who publishes; it goes with --publish."))
    published = None
    if args.publish:
        user = acting_user(args.acting)
        try:
            published = assessment.publish_assessment(user, year)
        except ActionError as error:
            raise UsageError(error.message) from None
        results = published.results
    else:
        results = assessment.compute(year)
    if xlsx:
        with new_file(xlsx) as out:
            exports.write_xlsx(results, out)
    if pdf:
        with new_file(pdf) as out:
            exports.write_pdf(results, out)
    verification = None
    if args.verify_ledger:
        try:
            verification = assessment.recompute_from_ledger(year)
        except ActionError as error:
            raise UsageError(error.message) from None
    if args.json:
        report: dict[str, Any] = {"results": results}
        if published:
            report["assessment"] = {"id": published.pk, "digest": published.digest}
        if verification:
            report["verification"] = verification.as_dict()
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_scores(results)
        if published:
            print(
                _("assessment %(id)d of %(year)d published, SHA-256 %(digest)s")
                % {"id": published.pk, "year": year, "digest": published.digest}
            )
        for path in (xlsx, pdf):
            if path:
                print(_("written to %(path)s") % {"path": path})
        if verification:
            print_verification(verification)
    return 1 if verification and not verification.ok else 0


def print_scores(results: dict[str, Any]) -> None:
    from django.utils.translation import gettext as _

    print(_("annual assessment %(year)d (第二十四条)") % {"year": results["year"]})
    for row in results["agencies"]:
        subtree = row["subtree"]["score"] or "—"
        print(f"{row['agency']}\t{row['score'] or '—'}\t{subtree}\t{row['name']}")
    for row in results["officers"]:
        print(f"{row['officer']}\t{row['score'] or '—'}\t{row['agency']}\t{row['name']}")


def print_verification(verification: Any) -> None:
    from django.utils.translation import gettext as _

    if verification.ok:
        print(
            _("the ledger gives the same numbers as assessment %(id)d (event #%(seq)d)")
            % {"id": verification.assessment, "seq": verification.event_seq}
        )
        return
    print(
        _("the ledger does NOT give the same numbers as assessment %(id)d:")
        % {"id": verification.assessment}
    )
    for problem in verification.problems:
        print(f"  {problem}")


def parse_date(value: str | None, name: str, default: datetime.date) -> datetime.date:
    from django.utils.translation import gettext as _

    if not value:
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            _("%(name)s %(value)s is not a date (YYYY-MM-DD).") % {"name": name, "value": value}
        ) from None


def cmd_audit_draw(args: argparse.Namespace) -> int:
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from lawtrail.agencies.models import Agency
    from lawtrail.compliance.audit import draw_sample, sample_summary
    from lawtrail.errors import ActionError
    from lawtrail.evidence.commands import acting_user

    today = timezone.localdate()
    start = parse_date(args.period_from, "--from", today.replace(month=1, day=1))
    end = parse_date(args.period_to, "--to", today)
    agency = Agency.objects.filter(region_code=args.agency).first()
    if agency is None:
        raise UsageError(_("There is no agency with region code %(code)s.") % {"code": args.agency})
    user = acting_user(args.acting)
    try:
        sample = draw_sample(user, agency, args.size, start, end, seed=args.seed)
    except ActionError as error:
        raise UsageError(error.message) from None
    summary = sample_summary(sample)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(
        _(
            "audit sample %(id)d of %(agency)s: %(size)d of %(population)d matters opened from "
            "%(a)s to %(b)s; seed %(seed)s"
        )
        % {
            "id": sample.pk,
            "agency": agency.name,
            "size": sample.size,
            "population": sample.population,
            "a": sample.period_from,
            "b": sample.period_to,
            "seed": sample.seed,
        }
    )
    for item in summary["items"]:
        print(f"{item['position']}\t{item['matter']}\t{item['title']}")
    return 0


def cmd_audit_show(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from lawtrail.compliance.audit import sample_summary
    from lawtrail.compliance.models import AuditSample

    sample = AuditSample.objects.select_related("agency", "drawn_by").filter(pk=args.sample).first()
    if sample is None:
        raise UsageError(_("There is no audit sample %(id)d.") % {"id": args.sample})
    summary = sample_summary(sample)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(
        _(
            "audit sample %(id)d of %(agency)s, drawn by %(by)s at %(at)s; seed %(seed)s; "
            "%(checked)d of %(size)d checked, %(no)d answer(s) no"
        )
        % {
            "id": sample.pk,
            "agency": summary["agency_name"],
            "by": summary["drawn_by"],
            "at": summary["drawn_at"],
            "seed": sample.seed,
            "checked": summary["checked"],
            "size": sample.size,
            "no": summary["answered_no"],
        }
    )
    for item in summary["items"]:
        answers = item["answers"] or {}
        noes = ",".join(k for k, v in answers.items() if v == "no")
        state = (
            (_("no: %(ids)s") % {"ids": noes})
            if noes
            else (_("all fine") if answers else _("not checked"))
        )
        print(f"{item['position']}\t{item['matter']}\t{state}")
    return 0


def add_parsers(commands: Any, with_django: Callable[..., Any]) -> None:
    """Register the assessment and audit subcommands on ``lawtrail compliance``."""
    assess = commands.add_parser("assess", help="the annual assessment (第二十四条)")
    assess.add_argument("--year", required=True, help="the calendar year")
    assess.add_argument("--xlsx", help="write the workbook to this new .xlsx file")
    assess.add_argument("--pdf", help="write the report in Chinese to this new .pdf file")
    assess.add_argument("--json", action="store_true", help="print the results as JSON")
    assess.add_argument("--publish", action="store_true", help="store it with a ledger event")
    assess.add_argument("--as", dest="acting", metavar="USERNAME", help="the supervisor publishing")
    assess.add_argument(
        "--verify-ledger", action="store_true", help="count the published one again from the ledger"
    )
    assess.set_defaults(func=with_django(cmd_assess))

    audit = commands.add_parser("audit", help="internal audit samples (第十一条)")
    audit_commands = audit.add_subparsers(dest="audit_command")
    draw = audit_commands.add_parser("draw", help="draw N matters of a unit at random")
    draw.add_argument("--agency", required=True, metavar="REGION_CODE")
    draw.add_argument("--size", required=True, type=int)
    draw.add_argument("--from", dest="period_from", metavar="DATE", help="default: 1 January")
    draw.add_argument("--to", dest="period_to", metavar="DATE", help="default: today")
    draw.add_argument("--seed", help="the random seed (default: a new random one, recorded)")
    draw.add_argument("--as", dest="acting", metavar="USERNAME", help="who draws")
    draw.add_argument("--json", action="store_true")
    draw.set_defaults(func=with_django(cmd_audit_draw))
    show = audit_commands.add_parser("show", help="print a sample and its results")
    show.add_argument("sample", type=int, metavar="SAMPLE_ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=with_django(cmd_audit_show))
