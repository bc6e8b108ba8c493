"""What the archive pages and API read: packages and matters in the caller's scope (invariant
7: the matter scope of ``lawtrail.agencies.scope``), case files due for archiving (第十八条:
within 30 days of the end of the action) and the 四性 checks run on demand (DA/T 70).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.scope import officer_of
from lawtrail.archive.actions import may_archive
from lawtrail.archive.casefile import missing_for_archive
from lawtrail.archive.checks import latest_checks, run_checks
from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.errors import Forbidden, NotFound, Unmet
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.permissions import get_visible_matter, visible_matters

#: 第十八条: the case file is archived within 30 days of the end of the enforcement action.
ARCHIVE_DAYS = 30


def visible_packages(user: Any) -> models.QuerySet[ArchivePackage]:
    return ArchivePackage.objects.filter(matter__in=visible_matters(user)).select_related(
        "matter", "matter__agency", "created_by"
    )


def get_visible_package(user: Any, pk: int | str) -> ArchivePackage:
    """The package, or NotFound also when it lies outside the user's scope."""
    try:
        return visible_packages(user).get(pk=int(pk))
    except (ArchivePackage.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such archive package.")) from None


def may_manage(user: Any, matter: Matter) -> bool:
    """The agency's records custodian or head archives and checks (第十九条)."""
    officer = officer_of(user)
    return officer is not None and may_archive(officer, matter)


@dataclass(frozen=True)
class PackageRow:
    package: ArchivePackage
    latest: list[PackageCheck]  # the latest check of each property, in property order

    @property
    def passed(self) -> bool | None:
        if len(self.latest) < len(PackageCheck.Property):
            return None
        return all(c.passed for c in self.latest)


def ordered_latest(package: ArchivePackage) -> list[PackageCheck]:
    latest = latest_checks(package)
    return [latest[p.value] for p in PackageCheck.Property if p.value in latest]


def package_rows(user: Any) -> list[PackageRow]:
    return [PackageRow(p, ordered_latest(p)) for p in visible_packages(user)[:500]]


@dataclass(frozen=True)
class Pending:
    """A matter in 归档管理 without a package: when it is due and what it still lacks."""

    matter: Matter
    due: datetime.date | None
    overdue: bool
    missing: list[Unmet]


def due_date(matter: Matter) -> datetime.date | None:
    """The 30th day after the local day the action ended (the first day is not counted)."""
    if matter.ended_at is None:
        return None
    return timezone.localdate(matter.ended_at) + datetime.timedelta(days=ARCHIVE_DAYS)


def pending_matters(user: Any) -> list[Pending]:
    found = (
        visible_matters(user)
        .filter(stage=Stage.ARCHIVING, archive_package__isnull=True)
        .select_related("agency")
        .order_by("ended_at", "id")[:200]
    )
    today = timezone.localdate()
    out = []
    for matter in found:
        due = due_date(matter)
        out.append(
            Pending(matter, due, due is not None and due < today, missing_for_archive(matter))
        )
    return out


def readiness(user: Any, matter_id: int | str) -> tuple[Matter, list[Unmet]]:
    matter = get_visible_matter(user, matter_id)
    return matter, missing_for_archive(matter)


def check_now(user: Any, package: ArchivePackage) -> list[PackageCheck]:
    """Run the four checks now (occasion "manual"): the custodian or head of its agency."""
    if not may_manage(user, package.matter):
        raise Forbidden(
            _("Only the records custodian (档案管理员) or the head of the agency checks packages.")
        )
    return run_checks(package, "manual", deep=False, user=user)
