"""The 48-hour clock of 第十九条: a recording is uploaded at the unit's station within 48 hours.

The clock runs from the end of the recording (``Acquisition.recorded_to``) to the verified
upload (``Acquisition.acquired_at``: the row is written only once both digests agree). An
evidence is *on time* when any of its acquisitions arrived within the window, *late* when some
acquisition names the end of the recording and none arrived in time, and *unknown* when no
acquisition says when the recording ended. Uploads still under way are *pending* while the
window is open and *overdue* once it has closed.

Everything here is computed from the rows, never stored, so the status cannot drift from the
times it is made of; the same expressions filter lists in SQL and label one evidence in Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.expressions import CombinedExpression
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.evidence.models import Acquisition, Evidence, Upload

#: 第十九条: 应在48小时内按要求将信息在单位采集站进行采集上传.
UPLOAD_WINDOW = datetime.timedelta(hours=48)


class Status(models.TextChoices):
    ON_TIME = "on_time", _("Uploaded within 48 hours")
    LATE = "late", _("Uploaded after 48 hours")
    UNKNOWN = "unknown", _("Recording end not stated")
    PENDING = "pending", _("Upload under way, within 48 hours")
    OVERDUE = "overdue", _("Not uploaded within 48 hours")


#: The statuses an evidence (as opposed to an upload under way) can have.
EVIDENCE_STATUSES = (Status.ON_TIME, Status.LATE, Status.UNKNOWN)


def due_at() -> models.ExpressionWrapper[CombinedExpression]:
    """``recorded_to + 48 h`` as an SQL expression on Acquisition."""
    return models.ExpressionWrapper(
        models.F("recorded_to") + UPLOAD_WINDOW, output_field=models.DateTimeField()
    )


def on_time_arrivals() -> models.QuerySet[Acquisition]:
    return Acquisition.objects.alias(due=due_at()).filter(
        recorded_to__isnull=False, acquired_at__lte=models.F("due")
    )


def late_arrivals() -> models.QuerySet[Acquisition]:
    return Acquisition.objects.alias(due=due_at()).filter(
        recorded_to__isnull=False, acquired_at__gt=models.F("due")
    )


def with_status(evidence: models.QuerySet[Evidence], status: str) -> models.QuerySet[Evidence]:
    """Narrow ``evidence`` to one of ``EVIDENCE_STATUSES``."""
    on_time = models.Exists(on_time_arrivals().filter(evidence=models.OuterRef("pk")))
    stated = models.Exists(
        Acquisition.objects.filter(evidence=models.OuterRef("pk"), recorded_to__isnull=False)
    )
    if status == Status.ON_TIME:
        return evidence.filter(on_time)
    if status == Status.LATE:
        return evidence.filter(stated).exclude(on_time)
    if status == Status.UNKNOWN:
        return evidence.exclude(stated)
    raise ValueError(f"not an evidence status: {status!r}")


@dataclass(frozen=True)
class Clock:
    """The 48-hour clock of one acquisition, or of an upload under way."""

    status: Status
    recorded_to: datetime.datetime | None
    due: datetime.datetime | None
    arrived: datetime.datetime | None

    @property
    def hours_taken(self) -> float | None:
        if self.recorded_to is None or self.arrived is None:
            return None
        return round((self.arrived - self.recorded_to).total_seconds() / 3600, 1)

    @property
    def hours_over(self) -> float | None:
        """How far past the deadline it arrived (or is, while still not in)."""
        if self.due is None:
            return None
        end = self.arrived or timezone.now()
        over = (end - self.due).total_seconds() / 3600
        return round(over, 1) if over > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "label": str(self.status.label),
            "recorded_to": self.recorded_to,
            "due": self.due,
            "arrived": self.arrived,
            "hours_taken": self.hours_taken,
            "hours_over": self.hours_over,
        }


def clock_of(acquisition: Acquisition) -> Clock:
    if acquisition.recorded_to is None:
        return Clock(Status.UNKNOWN, None, None, acquisition.acquired_at)
    due = acquisition.recorded_to + UPLOAD_WINDOW
    status = Status.ON_TIME if acquisition.acquired_at <= due else Status.LATE
    return Clock(status, acquisition.recorded_to, due, acquisition.acquired_at)


def evidence_clock(acquisitions: Iterable[Acquisition]) -> Clock:
    """The evidence's clock: its first on-time arrival, else its first stated late one, else
    unknown (the same rule as ``with_status``)."""
    clocks = [clock_of(a) for a in sorted(acquisitions, key=lambda a: (a.acquired_at, a.pk))]
    for wanted in EVIDENCE_STATUSES:
        for clock in clocks:
            if clock.status == wanted:
                return clock
    return Clock(Status.UNKNOWN, None, None, None)


def upload_clock(upload: Upload, now: datetime.datetime | None = None) -> Clock:
    """An upload under way: pending while the window is open, overdue once it has closed."""
    recorded_to = parse_datetime(upload.metadata.get("recorded_to", "") or "")
    if recorded_to is None:
        return Clock(Status.UNKNOWN, None, None, None)
    if timezone.is_naive(recorded_to):
        recorded_to = timezone.make_aware(recorded_to)
    due = recorded_to + UPLOAD_WINDOW
    status = Status.OVERDUE if (now or timezone.now()) > due else Status.PENDING
    return Clock(status, recorded_to, due, None)


# ------------------------------------------------------------------------ overdue lists


#: Who watches other people's clocks: heads and provincial supervisors over their agency and
#: those below it, the records custodian (第十九条's 专门人员) over their own agency.
WATCHERS_OF_SUBTREE = (Role.HEAD, Role.SUPERVISOR)
WATCHERS_OF_AGENCY = (Role.CUSTODIAN,)


def watched_officers(user: Any) -> models.QuerySet[Officer]:
    """The officers whose 48-hour record ``user`` may see: their own, and for heads,
    supervisors and custodians the officers of the agencies they watch."""
    me = officer_of(user)
    if me is None:
        return Officer.objects.none()
    if any(me.has_role(role) for role in WATCHERS_OF_SUBTREE):
        return Officer.objects.filter(agency__in=me.agency.subtree())
    if any(me.has_role(role) for role in WATCHERS_OF_AGENCY):
        return Officer.objects.filter(agency=me.agency)
    return Officer.objects.filter(pk=me.pk)


@dataclass
class Tally:
    """The 48-hour record of one officer or one agency."""

    key: str
    name: str
    agency: str
    on_time: int = 0
    late: int = 0
    unknown: int = 0
    overdue_uploads: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.unknown

    @property
    def late_share(self) -> float | None:
        stated = self.on_time + self.late
        return round(self.late / stated, 3) if stated else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "agency": self.agency,
            "on_time": self.on_time,
            "late": self.late,
            "unknown": self.unknown,
            "overdue_uploads": self.overdue_uploads,
            "total": self.total,
            "late_share": self.late_share,
        }


@dataclass(frozen=True)
class Overdue:
    """One acquisition that arrived late, or one upload still under way past its deadline."""

    clock: Clock
    officer: Officer | None
    evidence: Evidence | None
    upload: Upload | None
    filename: str


@dataclass
class Report:
    since: datetime.date | None
    until: datetime.date | None
    officers: list[Tally]
    agencies: list[Tally]
    overdue: list[Overdue]


def _window(
    arrivals: models.QuerySet[Acquisition],
    since: datetime.date | None,
    until: datetime.date | None,
) -> models.QuerySet[Acquisition]:
    from lawtrail.evidence.queries import start_of

    if since is not None:
        arrivals = arrivals.filter(acquired_at__gte=start_of(since))
    if until is not None:
        arrivals = arrivals.filter(acquired_at__lt=start_of(until + datetime.timedelta(days=1)))
    return arrivals


def overdue_uploads(officers: models.QuerySet[Officer]) -> list[tuple[Upload, Officer, Clock]]:
    """Uploads still under way whose window has closed, with the officer they belong to (the
    creator's profile: stations act for an officer through the ``officer`` metadata too)."""
    from lawtrail.errors import Invalid
    from lawtrail.evidence.ingest import find_officer

    by_user = {o.user_id: o for o in officers.select_related("agency")}
    wanted = set(by_user.values())
    found: list[tuple[Upload, Officer, Clock]] = []
    now = timezone.now()
    under_way = Upload.objects.filter(
        state__in=(Upload.State.RECEIVING, Upload.State.COMPLETE)
    ).order_by("created_at")
    for upload in under_way:
        clock = upload_clock(upload, now)
        if clock.status != Status.OVERDUE:
            continue
        officer: Officer | None
        try:
            officer = find_officer(upload.metadata.get("officer", ""))
        except Invalid:  # a name that no longer resolves: fall back to the uploader
            officer = None
        officer = officer or by_user.get(upload.created_by_id)
        if officer is not None and officer in wanted:
            found.append((upload, officer, clock))
    return found


def recording_officer(acquisition: Acquisition) -> Officer:
    """Whose clock an acquisition counts on: the recording officer, else the one who brought
    the file in (every acquirer has an officer profile: ``ingest.clean`` requires one)."""
    if acquisition.officer is not None:
        return acquisition.officer
    officer: Officer = acquisition.acquired_by.officer
    return officer


def report(
    user: Any, since: datetime.date | None = None, until: datetime.date | None = None
) -> Report:
    """The 48-hour record per officer and per agency over ``user``'s watched officers, with the
    late arrivals and overdue uploads listed one by one (latest first)."""
    officers = watched_officers(user).select_related("agency")
    # The recording officer, or when none was named, the officer who brought the file in.
    arrivals = _window(
        Acquisition.objects.filter(
            models.Q(officer__in=officers)
            | models.Q(officer__isnull=True, acquired_by__officer__in=officers)
        ).select_related(
            "officer__agency", "officer__user", "acquired_by__officer__agency", "evidence"
        ),
        since,
        until,
    )
    per_officer: dict[int, Tally] = {}
    per_agency: dict[int, Tally] = {}

    def tallies(officer: Officer) -> tuple[Tally, Tally]:
        mine = per_officer.setdefault(
            officer.pk, Tally(officer.user.username, officer.name, officer.agency.name)
        )
        agency: Agency = officer.agency
        theirs = per_agency.setdefault(
            agency.pk, Tally(agency.region_code, agency.name, agency.name)
        )
        return mine, theirs

    overdue: list[Overdue] = []
    for acquisition in arrivals:
        officer = recording_officer(acquisition)
        clock = clock_of(acquisition)
        for tally in tallies(officer):
            setattr(tally, clock.status.value, getattr(tally, clock.status.value) + 1)
        if clock.status == Status.LATE:
            overdue.append(
                Overdue(clock, officer, acquisition.evidence, None, acquisition.filename)
            )
    for upload, officer, clock in overdue_uploads(officers.select_related("user")):
        for tally in tallies(officer):
            tally.overdue_uploads += 1
        overdue.append(Overdue(clock, officer, None, upload, upload.metadata.get("filename", "")))
    overdue.sort(key=lambda item: item.clock.due or timezone.now(), reverse=True)

    def order(rows: Iterable[Tally]) -> list[Tally]:
        return sorted(rows, key=lambda t: (-(t.late + t.overdue_uploads), t.agency, t.name))

    return Report(since, until, order(per_officer.values()), order(per_agency.values()), overdue)
