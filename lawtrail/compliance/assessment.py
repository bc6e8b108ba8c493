"""The annual assessment (第二十四条): scores per agency and per officer from the rules' weights.

Method (version 1), for a calendar year Y in local time (Asia/Shanghai):

- *Subjects of the year.* For each rule, a subject the rule applies to (a row of
  ``check.candidates(Scope.everything(), now)``) belongs to year Y when its deadline ``c_due``
  falls in Y; a subject without a deadline belongs to the year it came to be (a matter's
  ``opened_at``, an acquisition's ``acquired_at``, a record's or a service's ``created_at``).
- *checked*: the number of such subjects. An agency answers for the subjects whose
  ``c_agency`` it is; an officer for those naming them as ``c_officer``, or, when none is named,
  for those of the matters they handle.
- *breached*: the subjects of the year with at least one finding of the rule that carries no
  explanation. Findings count for the agency and the officers the finding names. Subjects whose
  every finding is explained are justified exceptions: counted as ``explained`` and listed,
  not scored.
- *rate* = max(0, 1 − breached / checked); *score* = 100 × Σ(weight × rate) / Σ(weight) over the
  rules with checked > 0 and weight > 0 (``rules.weights()``; ``actions.set_rule_weight``
  changes them). No such rule: no score. Rules weighted 0 (or switched off) are not assessed.
- Agencies are scored on their own subjects; the ``subtree`` figures add every agency below,
  so a city's row shows the city and its counties together.

Numbers are exact fractions rounded half-up to two decimals and kept as strings, the form the
ledger takes. ``publish_assessment`` stores the results with their SHA-256 and a ledger event
carrying the same numbers and the ids of the findings counted; ``recompute_from_ledger`` counts
the breaches again from the ledger's finding events alone and names every number that differs.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.compliance.checks.base import Check, Scope, checks
from lawtrail.compliance.models import Assessment, Explanation, Finding
from lawtrail.compliance.rules import rule_specs, weights
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Handler

METHOD = 1
PUBLISHED = "compliance.assessment.published"
OPENED = "compliance.findings.opened"
EXPLAINED = "compliance.finding.explained"
#: When a subject without a deadline came to be, by the subject's kind.
CREATED = {
    "matter": "opened_at",
    "acquisition": "acquired_at",
    "record": "created_at",
    "service": "created_at",
}
FIRST_YEAR = 2000
LAST_YEAR = 2100

Counts = dict[str, int]  # {"checked": n, "breached": n, "explained": n}


def clean_year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if isinstance(year, bool) or not FIRST_YEAR <= value <= LAST_YEAR:
        message = _("A year is a number from %(a)d to %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR}
        raise Invalid(message, {"year": [message]})
    return value


def year_of(moment: Any) -> int | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).year if timezone.is_aware(moment) else moment.year
    if isinstance(moment, datetime.date):
        return moment.year
    return None


def two_places(value: Fraction) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def rate(counts: Counts) -> Fraction | None:
    if counts.get("checked", 0) <= 0:
        return None
    return max(Fraction(0), 1 - Fraction(counts.get("breached", 0), counts["checked"]))


def score(per_rule: dict[str, Counts], weight: dict[str, int]) -> str | None:
    """100 × Σ(weight × rate) / Σ(weight) over the rules with subjects and a weight."""
    total = Fraction(0)
    weights_sum = 0
    for rule_id, counts in per_rule.items():
        r = rate(counts)
        w = weight.get(rule_id, 0)
        if r is None or w <= 0:
            continue
        total += w * r
        weights_sum += w
    if not weights_sum:
        return None
    return two_places(100 * total / weights_sum)


def digest_of(results: dict[str, Any]) -> str:
    text = json.dumps(results, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Tally:
    """Counts per rule for agencies (own) and officers, keyed by primary key."""

    agencies: dict[int, dict[str, Counts]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    officers: dict[int, dict[str, Counts]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )

    def add(self, level: str, key: int, rule_id: str, what: str, n: int = 1) -> None:
        counts = getattr(self, level)[key][rule_id]
        counts[what] = counts.get(what, 0) + n


def subjects_of_year(check: Check, year: int, now: datetime.datetime) -> list[tuple[Any, ...]]:
    """(c_id, c_agency, c_matter, c_officer) of the subjects the rule applied to in ``year``."""
    created = CREATED[check.spec.subject]
    rows = check.candidates(Scope.everything(), now).values_list(
        "c_id", "c_agency", "c_matter", "c_officer", "c_due", created
    )
    return [
        row[:4]
        for row in rows.iterator(chunk_size=5000)
        if year_of(row[4] if row[4] is not None else row[5]) == year
    ]


def handlers_by_matter(matter_ids: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    ids = sorted(matter_ids)
    for start in range(0, len(ids), 2000):
        for matter_id, officer_id in Handler.objects.filter(
            matter_id__in=ids[start : start + 2000]
        ).values_list("matter_id", "officer_id"):
            found[matter_id].append(officer_id)
    return found


@dataclass
class FindingFacts:
    """What counts of a finding: its rule, subject, agency, officers and whether explained."""

    id: int
    rule_id: str
    subject: str
    agency: int
    officers: list[int]
    explained: bool


def findings_from_db(rule_id: str) -> list[FindingFacts]:
    through = Finding.officers.through
    officers: dict[int, list[int]] = defaultdict(list)
    for finding_id, officer_id in through.objects.filter(finding__rule_id=rule_id).values_list(
        "finding_id", "officer_id"
    ):
        officers[finding_id].append(officer_id)
    explained = set(
        Explanation.objects.filter(finding__rule_id=rule_id).values_list("finding_id", flat=True)
    )
    return [
        FindingFacts(pk, rule_id, subject, agency, sorted(officers[pk]), pk in explained)
        for pk, subject, agency in Finding.objects.filter(rule_id=rule_id)
        .order_by("id")
        .values_list("id", "subject", "agency_id")
    ]


def count_breaches(
    tally: Tally, rule_id: str, found: list[FindingFacts]
) -> tuple[list[int], list[int]]:
    """Count breached and explained subjects; return the finding ids of each kind."""
    by_subject: dict[str, list[FindingFacts]] = defaultdict(list)
    for facts in found:
        by_subject[facts.subject].append(facts)
    breached_ids: list[int] = []
    explained_ids: list[int] = []
    for subject in sorted(by_subject):
        group = by_subject[subject]
        unexplained = [f for f in group if not f.explained]
        what = "breached" if unexplained else "explained"
        counted = unexplained or group
        (breached_ids if unexplained else explained_ids).extend(f.id for f in group)
        for agency in sorted({f.agency for f in counted}):
            tally.add("agencies", agency, rule_id, what)
        for officer in sorted({o for f in counted for o in f.officers}):
            tally.add("officers", officer, rule_id, what)
    return sorted(breached_ids), sorted(explained_ids)


def subjects_counted(
    found: list[FindingFacts], breached: list[int], explained: list[int]
) -> Counts:
    b, e = set(breached), set(explained)
    return {
        "breached": len({f.subject for f in found if f.id in b}),
        "explained": len({f.subject for f in found if f.id in e}),
    }


def compute(year: Any, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The assessment of ``year`` from the database as it is now (see the module docstring)."""
    year = clean_year(year)
    now = now or timezone.now()
    weight = weights()
    specs = rule_specs()
    tally = Tally()
    counted: dict[str, dict[str, list[int]]] = {}
    totals: dict[str, Counts] = {}
    for rule_id, check in sorted(checks().items()):
        if weight.get(rule_id, 0) <= 0:
            continue  # a rule switched off or weighted 0 is not assessed
        subjects = subjects_of_year(check, year, now)
        handlers = handlers_by_matter({m for _, _, m, o in subjects if o is None and m})
        keys = set()
        for c_id, agency, matter, officer in subjects:
            keys.add(f"{check.spec.subject}:{c_id}")
            tally.add("agencies", agency, rule_id, "checked")
            for person in [officer] if officer else handlers.get(matter, []):
                tally.add("officers", person, rule_id, "checked")
        found = [f for f in findings_from_db(rule_id) if f.subject in keys]
        breached, explained = count_breaches(tally, rule_id, found)
        counted[rule_id] = {"breached": breached, "explained": explained}
        totals[rule_id] = {"checked": len(subjects), **subjects_counted(found, breached, explained)}
    return build_results(year, weight, specs, tally, totals, counted)


def counts_of(per_rule: dict[str, Counts]) -> dict[str, Counts]:
    return {
        rule_id: {k: per_rule[rule_id].get(k, 0) for k in ("checked", "breached", "explained")}
        for rule_id in sorted(per_rule)
    }


def build_results(
    year: int,
    weight: dict[str, int],
    specs: dict[str, Any],
    tally: Tally,
    totals: dict[str, Counts],
    counted: dict[str, dict[str, list[int]]],
) -> dict[str, Any]:
    agencies = list(Agency.objects.order_by("path"))
    own = {a.pk: counts_of(tally.agencies.get(a.pk, {})) for a in agencies}
    agency_rows = []
    for agency in agencies:
        subtree: dict[str, Counts] = defaultdict(dict)
        for other in agencies:
            if other.path.startswith(agency.path):
                for rule_id, counts in own[other.pk].items():
                    for k, n in counts.items():
                        subtree[rule_id][k] = subtree[rule_id].get(k, 0) + n
        agency_rows.append(
            {
                "agency": agency.region_code,
                "name": agency.name,
                "level": agency.level,
                "parent": agency.parent.region_code if agency.parent else None,
                "rules": own[agency.pk],
                "score": score(own[agency.pk], weight),
                "subtree": {"rules": counts_of(subtree), "score": score(subtree, weight)},
            }
        )
    people = Officer.objects.filter(pk__in=list(tally.officers)).select_related("agency", "user")
    officer_rows = [
        {
            "officer": person.user.get_username(),
            "name": person.name,
            "agency": person.agency.region_code,
            "rules": counts_of(tally.officers[person.pk]),
            "score": score(counts_of(tally.officers[person.pk]), weight),
        }
        for person in sorted(people, key=lambda o: (o.agency.path, o.user.get_username()))
    ]
    rule_rows = []
    for rule_id in sorted(totals):
        r = rate(totals[rule_id])
        rule_rows.append(
            {
                "rule": rule_id,
                "title": specs[rule_id].title,
                "article": specs[rule_id].article,
                "weight": weight.get(rule_id, 0),
                **totals[rule_id],
                "rate": two_places(r * 100) if r is not None else None,
            }
        )
    return {
        "year": year,
        "method": METHOD,
        "weights": dict(sorted(weight.items())),
        "agencies": agency_rows,
        "officers": officer_rows,
        "rules": rule_rows,
        "findings": counted,
    }


def exceptions(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The justified exceptions of an assessment: explained findings with their latest reason."""
    ids = [i for entry in results["findings"].values() for i in entry["explained"]]
    latest: dict[int, Explanation] = {}
    for explanation in Explanation.objects.filter(finding_id__in=ids).select_related("by"):
        latest[explanation.finding_id] = explanation
    rows = []
    for finding in Finding.objects.filter(pk__in=ids).select_related("agency").order_by("id"):
        given = latest.get(finding.pk)
        rows.append(
            {
                "finding": finding.pk,
                "rule": finding.rule_id,
                "article": finding.article,
                "subject": finding.subject,
                "agency": finding.agency.name,
                "reason": given.reason if given else "",
                "by": given.by.name if given else "",
            }
        )
    return rows


def publish_assessment(user: Any, year: Any, *, now: datetime.datetime | None = None) -> Assessment:
    """Store the assessment of ``year`` with its SHA-256 and a ledger event (第二十四条).

    Only a provincial supervisor publishes; every publication is kept (append-only), the latest
    counts.
    """
    officer = officer_of(user)
    if officer is None or not officer.has_role(Role.SUPERVISOR):
        raise Forbidden(_("Only a provincial supervisor publishes the annual assessment."))
    year = clean_year(year)
    with transaction.atomic():
        results = compute(year, now=now)
        digest = digest_of(results)
        assessment = Assessment.objects.create(
            year=year,
            made_by=officer,
            made_at=timezone.now(),
            weights=results["weights"],
            results=results,
            digest=digest,
        )
        events.append(
            events.Actor.of(user),
            PUBLISHED,
            assessment,
            {"year": year, "digest": digest, "results": results},
        )
    return assessment


def latest_assessment(year: int) -> Assessment | None:
    return Assessment.objects.filter(year=year).order_by("-made_at", "-id").first()


def body_of(event: Event) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(bytes(event.body).decode())
    return decoded


@dataclass
class Verification:
    year: int
    assessment: int | None
    event_seq: int | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "assessment": self.assessment,
            "event_seq": self.event_seq,
            "ok": self.ok,
            "problems": self.problems,
        }


def ledger_findings(up_to: int) -> tuple[dict[int, FindingFacts], set[int]]:
    """Every finding opened and every finding explained in the ledger up to event ``up_to``."""
    opened: dict[int, FindingFacts] = {}
    for event in Event.objects.filter(action=OPENED, seq__lte=up_to).order_by("seq").iterator():
        payload = body_of(event)["payload"]
        for entry in payload["findings"]:
            opened[int(entry["id"])] = FindingFacts(
                int(entry["id"]),
                payload["rule"],
                entry["subject"],
                int(payload["agency"]),
                sorted(int(o) for o in entry.get("officers") or []),
                False,
            )
    explained = {
        int(object_id)
        for object_id in Event.objects.filter(action=EXPLAINED, seq__lte=up_to).values_list(
            "object_id", flat=True
        )
    }
    return opened, explained


def recompute_from_ledger(year: Any) -> Verification:
    """Count the latest assessment of ``year`` again from the ledger and compare.

    The denominators (``checked``) come from the assessment's ledger event; the breaches from
    the ledger's ``compliance.findings.opened`` and ``compliance.finding.explained`` events up
    to it, never from the Finding or Explanation tables. Every difference with the stored
    results is named, as is a stored result that no longer matches its SHA-256.
    """
    year = clean_year(year)
    assessment = latest_assessment(year)
    if assessment is None:
        raise NotFound(_("No assessment of %(year)d has been published.") % {"year": year})
    problems: list[str] = []
    stored = assessment.results
    if digest_of(stored) != assessment.digest:
        problems.append(
            _("The stored results of assessment %(id)d no longer match their SHA-256.")
            % {"id": assessment.pk}
        )
    event = (
        Event.objects.filter(
            action=PUBLISHED, object_type="compliance.assessment", object_id=str(assessment.pk)
        )
        .order_by("seq")
        .first()
    )
    if event is None:
        problems.append(_("Assessment %(id)d has no ledger event.") % {"id": assessment.pk})
        return Verification(year, assessment.pk, None, problems)
    payload = body_of(event)["payload"]
    published = payload["results"]
    if payload["digest"] != assessment.digest:
        problems.append(_("The ledger event names another SHA-256 than the stored assessment."))
    recounted = recount(published, event.seq, problems)
    compare(recounted, stored, problems)
    return Verification(year, assessment.pk, event.seq, problems)


def recount(published: dict[str, Any], seq: int, problems: list[str]) -> dict[str, Any]:
    """The results again, with breaches counted from the ledger alone."""
    opened, explained = ledger_findings(seq)
    tally = Tally()
    agency_pk = dict(Agency.objects.values_list("region_code", "pk"))
    officer_pk = dict(Officer.objects.values_list("user__username", "pk"))
    for row in published["agencies"]:
        for rule_id, counts in row["rules"].items():
            tally.add("agencies", agency_pk[row["agency"]], rule_id, "checked", counts["checked"])
    for row in published["officers"]:
        for rule_id, counts in row["rules"].items():
            tally.add("officers", officer_pk[row["officer"]], rule_id, "checked", counts["checked"])
    totals: dict[str, Counts] = {}
    counted: dict[str, dict[str, list[int]]] = {}
    checked = {row["rule"]: row["checked"] for row in published["rules"]}
    for rule_id, ids in sorted(published["findings"].items()):
        found = []
        for finding_id in [*ids["breached"], *ids["explained"]]:
            facts = opened.get(finding_id)
            if facts is None or facts.rule_id != rule_id:
                problems.append(
                    _("Finding %(id)d of %(rule)s is not in the ledger.")
                    % {"id": finding_id, "rule": rule_id}
                )
                continue
            facts.explained = finding_id in explained
            found.append(facts)
        breached, explained_ids = count_breaches(tally, rule_id, found)
        counted[rule_id] = {"breached": breached, "explained": explained_ids}
        totals[rule_id] = {
            "checked": checked.get(rule_id, 0),
            **subjects_counted(found, breached, explained_ids),
        }
    specs = rule_specs()
    return build_results(published["year"], published["weights"], specs, tally, totals, counted)


def compare(recounted: dict[str, Any], stored: dict[str, Any], problems: list[str]) -> None:
    """Name every agency, officer and rule whose numbers differ."""
    if recounted["findings"] != stored.get("findings"):
        problems.append(_("The findings counted differ from the ledger's."))
    for level, key in (("agencies", "agency"), ("officers", "officer"), ("rules", "rule")):
        mine = {row[key]: row for row in recounted[level]}
        theirs = {row[key]: row for row in stored.get(level, [])}
        for name in sorted(set(mine) | set(theirs)):
            a, b = mine.get(name), theirs.get(name)
            if a is None or b is None:
                if level == "officers" and not (a or b or {}).get("rules"):
                    continue
                problems.append(
                    _("%(level)s %(name)s appears on one side only.") % {"level": key, "name": name}
                )
                continue
            for part in ("rules", "score", "subtree", "checked", "breached", "explained", "rate"):
                if a.get(part) != b.get(part):
                    problems.append(
                        _(
                            "%(level)s %(name)s: %(part)s is %(stored)s in the database but "
                            "%(ledger)s from the ledger."
                        )
                        % {
                            "level": key,
                            "name": name,
                            "part": part,
                            "stored": json.dumps(b.get(part), ensure_ascii=False),
                            "ledger": json.dumps(a.get(part), ensure_ascii=False),
                        }
                    )


def can_see_assessment(user: Any) -> bool:
    """Provincial supervisors see every unit; heads see their own and those below."""
    officer = officer_of(user)
    return officer is not None and (
        officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.HEAD)
    )


def visible_results(user: Any, results: dict[str, Any]) -> dict[str, Any]:
    """The part of ``results`` that ``user`` may see (denial is the default).

    A supervisor sees all of it. A head sees the agencies of their subtree and their officers;
    the rule totals become those of the head's own subtree, and the finding ids are left out.
    """
    officer = officer_of(user)
    if not can_see_assessment(user):
        raise Forbidden(_("Only heads and provincial supervisors see the annual assessment."))
    assert officer is not None
    if officer.has_role(Role.SUPERVISOR):
        return results
    mine = set(officer.agency.subtree().values_list("region_code", flat=True))
    own = next((r for r in results["agencies"] if r["agency"] == officer.agency.region_code), None)
    subtree_rules = own["subtree"]["rules"] if own else {}
    rules = []
    for row in results["rules"]:
        counts = subtree_rules.get(row["rule"], {"checked": 0, "breached": 0, "explained": 0})
        r = rate(counts)
        rules.append({**row, **counts, "rate": two_places(r * 100) if r is not None else None})
    return {
        **results,
        "agencies": [r for r in results["agencies"] if r["agency"] in mine],
        "officers": [r for r in results["officers"] if r["agency"] in mine],
        "rules": rules,
        "findings": {},
    }
