"""Archiving a matter's case file (第十八条, 第十九条): one action, one package, one event.

``archive_matter`` is for the agency's records custodian (档案管理员, 第十九条 names the people
who keep the records) or its head. It refuses (409) with every unmet condition while the case
file is incomplete; builds and fully validates the bag outside the database transaction (slow
I/O: re-hashing every original); then records the ``ArchivePackage`` row and the ledger event
``archive.package.created`` in one transaction (the compliance rule ``archive.within_30_days``
counts the matter archived at that event), and runs the 四性 checks of DA/T 70 on it.

Once archived the matter is read-only: its records were closed when it entered 归档管理
(``records.actions._lock_open_matter``) and the package is append-only (database triggers).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer, Role
from lawtrail.agencies.scope import can_see_matters_of
from lawtrail.archive import numbering
from lawtrail.archive.casefile import assemble, missing_for_archive
from lawtrail.archive.models import ArchivePackage
from lawtrail.archive.packages import BuiltBag, PackageExists, build_bag, remove_bag
from lawtrail.errors import Forbidden, NotFound, Refused, Unmet
from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import require_officer

log = logging.getLogger(__name__)

CREATED = "archive.package.created"
#: Two archivists taking the same 档号 at once: the later one builds again with the next.
ATTEMPTS = 5


def may_archive(officer: Officer, matter: Matter) -> bool:
    """第十九条: the agency's records custodian keeps its case files; its head may too."""
    return officer.agency_id == matter.agency_id and (
        officer.has_role(Role.CUSTODIAN) or officer.has_role(Role.HEAD)
    )


def require_may_archive(user: Any, matter: Matter) -> Officer:
    officer = require_officer(user)
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    if not may_archive(officer, matter):
        raise Forbidden(
            _(
                "Only the records custodian (档案管理员) or the head of the matter's agency "
                "archives it."
            )
        )
    return officer


def refuse_if_archived(matter: Matter) -> None:
    """For the actions that change a matter's file (binding evidence to it or moving evidence
    out of it): once archived, the case file is closed (第十八条; 第二十六条)."""
    if ArchivePackage.objects.filter(matter_id=matter.pk).exists():
        raise Refused(
            _("The case file of %(number)s is archived; it can no longer change.")
            % {"number": matter.number},
            [
                Unmet(
                    "archive.matter_archived",
                    "第十八条; 第二十六条",
                    _("The case file of an archived matter is closed."),
                )
            ],
        )


def archive_root() -> Path:
    return Path(settings.LAWTRAIL_ARCHIVE_DIR)


def refuse_if_unmet(matter: Matter) -> None:
    unmet = missing_for_archive(matter)
    if unmet:
        raise Refused(
            _("The case file of %(number)s cannot be archived yet.") % {"number": matter.number},
            unmet,
        )


def _record(
    user: Any, officer: Officer, matter: Matter, built: BuiltBag, retention: str
) -> ArchivePackage:
    with transaction.atomic():
        # The matter row is locked, so two archivists of one matter are put in line; the
        # second finds the package of the first and is refused.
        matter = Matter.objects.select_for_update().select_related("agency").get(pk=matter.pk)
        refuse_if_unmet(matter)
        package = ArchivePackage.objects.create(
            matter=matter,
            archive_number=built.archive_number,
            retention=retention,
            path=built.relative,
            bag_sha256=built.bag_sha256,
            payload_oxum=built.payload_oxum,
            files=built.files,
            references=built.references,
            created_by=officer,
            created_at=timezone.now(),
        )
        events.append(
            events.Actor.of(user),
            CREATED,
            package,
            {
                "matter": matter.number,
                "archive_number": built.archive_number,
                "path": built.relative,
                "bag_sha256": built.bag_sha256,
                "payload_oxum": built.payload_oxum,
                "files": built.files,
                "references": built.references,
                "retention": retention,
            },
            context=matter.context,
        )
    return package


def archive_matter(user: Any, matter: Matter) -> ArchivePackage:
    """Archive the case file of ``matter`` as a validated, signed BagIt package (第十八条).

    Raises ``Forbidden``/``NotFound`` (not the custodian or head), ``Refused`` (409, every unmet
    condition: not in 归档管理, records missing or unsigned or unserved, evidence unreadable or
    its stored original missing or changed, archived already), having written nothing.
    """
    officer = require_may_archive(user, matter)
    matter = Matter.objects.select_related("agency").get(pk=matter.pk)
    refuse_if_unmet(matter)
    retention = numbering.retention_for(matter)
    numbering.archive_number(matter, retention, 1)  # a bad template fails before any work
    case = assemble(matter)
    root = archive_root()
    tried = 0
    for _attempt in range(ATTEMPTS):
        seq = max(numbering.next_seq(matter), tried + 1)
        tried = seq
        number = numbering.archive_number(matter, retention, seq)
        # Slow I/O (PDFs, every original re-hashed, full validation) outside the transaction.
        try:
            built = build_bag(dataclasses.replace(case, archive_number=number), root)
        except PackageExists:
            log.warning("archive folder for %s exists; trying the next number", number)
            continue
        try:
            package = _record(user, officer, matter, built, retention)
        except IntegrityError:
            remove_bag(built)
            if ArchivePackage.objects.filter(matter=matter).exists():
                refuse_if_unmet(matter)  # raises: archived meanwhile
            continue  # the 档号 was taken meanwhile: build again with the next
        except BaseException:
            remove_bag(built)
            raise
        break
    else:
        raise Refused(
            _("No free archive number was found for %(number)s; try again.")
            % {"number": matter.number}
        )
    from lawtrail.archive import checks

    checks.run_checks(package, occasion="creation", user=user)
    return package
