"""The internal audit (第十一条): N matters of one unit drawn at random, checked against a list.

``draw_sample`` takes the matters the unit opened in a period, ordered by id, and draws ``size``
of them with ``random.Random(seed)``; the seed is recorded (a fresh ``secrets.token_hex`` when
none is given), so anyone can draw the same sample again from the same population. The
checklist (``audit_checklist.json``) is copied into the sample, so later edits of the file do
not change what an old sample asked. ``record_result`` stores the answers for one matter
(append-only; the latest counts). Each writes its rows and a ledger event in one transaction.

Who may: the heads of the agency or of one above it, provincial supervisors, and the records
custodians of the agency itself.
"""

from __future__ import annotations

import datetime
import json
import random
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.compliance.models import AuditItem, AuditResult, AuditSample
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger import events
from lawtrail.matters.models import Matter

CHECKLIST_FILE = Path(__file__).with_name("audit_checklist.json")
ANSWERS = ("yes", "no", "n/a")
SIZE_MAX = 500
NOTE_MAX = 2000
SEED_MAX = 64


@cache
def checklist() -> list[dict[str, str]]:
    """The checklist items: ``id``, ``text`` and the ``article`` each one checks."""
    items: list[dict[str, str]] = json.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))["items"]
    return items


def can_audit(officer: Officer | None, agency: Agency) -> bool:
    if officer is None:
        return False
    if officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.HEAD):
        return agency.is_within(officer.agency)
    return officer.has_role(Role.CUSTODIAN) and officer.agency_id == agency.pk


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, {field: [message]})


def clean_size(size: Any) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= SIZE_MAX:
        raise invalid(
            "size", _("A sample size is a whole number from 1 to %(n)d.") % {"n": SIZE_MAX}
        )
    return size


def clean_date(value: Any, field: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise invalid(field, _("%(v)s is not a date (YYYY-MM-DD).") % {"v": value}) from None


def clean_seed(seed: Any) -> str:
    if seed is None or seed == "":
        return secrets.token_hex(16)
    if not isinstance(seed, str) or len(seed) > SEED_MAX or not seed.isprintable():
        raise invalid(
            "seed", _("A seed is printable text of at most %(n)d characters.") % {"n": SEED_MAX}
        )
    return seed


def local_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def population(agency: Agency, period_from: datetime.date, period_to: datetime.date) -> list[int]:
    """The ids of the matters the unit opened in the period (local days, both included)."""
    return list(
        Matter.objects.filter(
            agency=agency,
            opened_at__gte=local_start(period_from),
            opened_at__lt=local_start(period_to + datetime.timedelta(days=1)),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def draw(ids: list[int], size: int, seed: str) -> list[int]:
    """The same ids, size and seed always give the same sample, in the same order."""
    return random.Random(seed).sample(ids, min(size, len(ids)))


def draw_sample(
    user: Any,
    agency: Agency,
    size: Any,
    period_from: Any,
    period_to: Any,
    seed: Any = None,
) -> AuditSample:
    """Draw ``size`` matters the unit opened between the two dates (第十一条)."""
    officer = officer_of(user)
    if not can_audit(officer, agency):
        raise Forbidden(
            _(
                "Only the unit's head, a head above it, a provincial supervisor or the unit's "
                "records custodian draws an audit sample."
            )
        )
    assert officer is not None
    size = clean_size(size)
    start = clean_date(period_from, "period_from")
    end = clean_date(period_to, "period_to")
    if end < start:
        raise invalid("period_to", _("The period ends before it starts."))
    seed = clean_seed(seed)
    with transaction.atomic():
        ids = population(agency, start, end)
        if not ids:
            raise invalid(
                "period_from",
                _("%(agency)s opened no matters from %(a)s to %(b)s: nothing to draw.")
                % {"agency": agency.name, "a": start, "b": end},
            )
        drawn = draw(ids, size, seed)
        sample = AuditSample.objects.create(
            agency=agency,
            drawn_by=officer,
            drawn_at=timezone.now(),
            period_from=start,
            period_to=end,
            size=len(drawn),
            seed=seed,
            population=len(ids),
            checklist=checklist(),
        )
        AuditItem.objects.bulk_create(
            [
                AuditItem(sample=sample, matter_id=matter_id, position=n)
                for n, matter_id in enumerate(drawn, start=1)
            ]
        )
        events.append(
            events.Actor.of(user),
            "compliance.audit.drawn",
            sample,
            {
                "agency": agency.region_code,
                "period_from": start.isoformat(),
                "period_to": end.isoformat(),
                "asked": size,
                "seed": seed,
                "population": len(ids),
                "matters": drawn,
                "checklist": [item["id"] for item in sample.checklist],
            },
        )
    return sample


def clean_answers(sample: AuditSample, answers: Any) -> dict[str, str]:
    ids = [item["id"] for item in sample.checklist]
    if not isinstance(answers, dict):
        raise invalid("answers", _("Answers are one per checklist item."))
    missing = [i for i in ids if i not in answers]
    unknown = sorted(str(k) for k in answers if k not in ids)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing: %(ids)s") % {"ids": ", ".join(missing)})
        if unknown:
            parts.append(_("not on the checklist: %(ids)s") % {"ids": ", ".join(unknown)})
        raise invalid(
            "answers",
            _("Answer every checklist item once (%(what)s).") % {"what": "; ".join(parts)},
        )
    wrong = [i for i in ids if answers[i] not in ANSWERS]
    if wrong:
        raise invalid(
            "answers",
            _("Each answer is yes, no or n/a; not so for %(ids)s.") % {"ids": ", ".join(wrong)},
        )
    return {i: str(answers[i]) for i in ids}


def record_result(user: Any, item: AuditItem, answers: Any, note: Any = "") -> AuditResult:
    """Record the checklist answered for one sampled matter; the latest result counts."""
    officer = officer_of(user)
    if not can_audit(officer, item.sample.agency):
        raise Forbidden(_("You may not record results of this audit."))
    assert officer is not None
    cleaned = clean_answers(item.sample, answers)
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise invalid("note", _("A note is text of at most %(n)d characters.") % {"n": NOTE_MAX})
    with transaction.atomic():
        result = AuditResult.objects.create(
            item=item,
            answers=cleaned,
            note=note.strip(),
            checked_by=officer,
            checked_at=timezone.now(),
        )
        events.append(
            events.Actor.of(user),
            "compliance.audit.checked",
            result,
            {
                "sample": item.sample_id,
                "item": item.pk,
                "matter": item.matter_id,
                "answers": cleaned,
                "note": result.note,
            },
            context=f"matter/{item.matter_id}",
        )
    return result


def latest_result(item: AuditItem) -> AuditResult | None:
    return item.results.order_by("-checked_at", "-id").first()


def sample_summary(sample: AuditSample) -> dict[str, Any]:
    """The sample as JSON: its facts, the checklist and each matter with its latest answers."""
    items: list[dict[str, Any]] = []
    for item in sample.items.select_related("matter").order_by("position"):
        result = latest_result(item)
        items.append(
            {
                "id": item.pk,
                "position": item.position,
                "matter": item.matter.number,
                "matter_id": item.matter_id,
                "title": item.matter.title,
                "answers": result.answers if result else None,
                "note": result.note if result else "",
                "checked_by": result.checked_by.name if result else None,
                "checked_at": result.checked_at.isoformat() if result else None,
            }
        )
    answered = [i for i in items if i["answers"]]
    noes = sum(1 for i in answered for v in i["answers"].values() if v == "no")
    return {
        "id": sample.pk,
        "agency": sample.agency.region_code,
        "agency_name": sample.agency.name,
        "drawn_by": sample.drawn_by.name,
        "drawn_at": sample.drawn_at.isoformat(),
        "period_from": sample.period_from.isoformat(),
        "period_to": sample.period_to.isoformat(),
        "size": sample.size,
        "population": sample.population,
        "seed": sample.seed,
        "checklist": sample.checklist,
        "items": items,
        "checked": len(answered),
        "answered_no": noes,
    }


def visible_samples(user: Any) -> list[AuditSample]:
    officer = officer_of(user)
    if officer is None:
        return []
    found = AuditSample.objects.select_related("agency", "drawn_by").order_by("-drawn_at", "-id")
    mine = models.Q(pk__in=[])
    if officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.HEAD):
        mine |= models.Q(agency__path__startswith=officer.agency.path)
    if officer.has_role(Role.CUSTODIAN):
        mine |= models.Q(agency_id=officer.agency_id)
    return list(found.filter(mine)[:500])
