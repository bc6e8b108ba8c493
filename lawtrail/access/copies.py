"""Copies for courts and 复议机关 (第二十条): an approved request becomes a verifiable package.

When the head approves a request, its grant says what may be copied: a ``copy`` grant the
originals and watermarked working copies, a ``view`` grant the working copies only. A handler
of the matter or the head of its agency (who hand the package over), or the grant's holder
(who asked for themselves), has the package made; the working copies in it are watermarked for
the recipient named in the request, so a leaked copy names its source. Making one re-encodes
every video, so it runs as a background job; the package appears under
``LAWTRAIL_HOME/packages/grant-<id>/`` and is fetched through a permission-checked, logged
download. ``packages.build_package`` writes the ``package.built`` ledger event with every file's
digests; each download of it is an event too, written before the first byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.access.models import Grant
from lawtrail.access.rules import relations
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import CURRENT_MATTER, with_current_matter
from lawtrail.ledger import events

PACKAGE_NAME = re.compile(r"^[0-9A-Za-z_.\-]{1,100}\.zip$")


def packages_dir(grant: Grant) -> Path:
    return Path(settings.LAWTRAIL_HOME) / "packages" / f"grant-{grant.pk}"


def may_have_package(user: Any, grant: Grant) -> bool:
    """The matter's handlers and its agency's head hand packages over; a holder asked for one."""
    if grant.holder_id is not None and user is not None and grant.holder_id == user.pk:
        return True
    return bool({"handler", "head"} & relations(user, grant.matter))


def check_may_package(user: Any, grant: Grant) -> None:
    check_may_package_read(user, grant)
    if not grant.is_live():
        raise Invalid(
            _("Grant %(id)d is %(state)s; no copy can be made from it.")
            % {"id": grant.pk, "state": grant.state},
            {"grant": []},
        )


def granted_evidence(grant: Grant) -> list[int]:
    """The evidence the request named, else everything bound to the matter now."""
    named = grant.request.evidence_ids()
    if named:
        return named
    bound_now = with_current_matter(Evidence.objects.all()).filter(
        **{CURRENT_MATTER: grant.matter_id}
    )
    return sorted(bound_now.values_list("pk", flat=True))


def request_package(user: Any, grant: Grant) -> None:
    """Check, then queue the job that makes the package (nothing is written yet)."""
    check_may_package(user, grant)
    if not granted_evidence(grant):
        raise Invalid(_("The grant covers no evidence to copy."), {"grant": []})
    from lawtrail.access.tasks import make_copy_package

    transaction.on_commit(lambda: make_copy_package.enqueue(grant.pk, user.pk))


def make_package(user: Any, grant: Grant) -> Path:
    """Make the package now (the job calls this). Returns the zip's path."""
    from lawtrail.access.packages import Recipient, build_package

    check_may_package(user, grant)
    request = grant.request
    recipient = Recipient(
        name=request.recipient_name or request.who(),
        organisation=request.recipient_organisation or grant.matter.agency.name,
        request_number=f"ACC-{request.pk}",
    )
    folder = packages_dir(grant)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"copy-{timezone.now():%Y%m%dT%H%M%S}-{grant.pk}.zip"
    result = build_package(
        user,
        granted_evidence(grant),
        recipient,
        grant.gives_originals,
        out,
        may_copy=lambda _user, evidence: grant.covers(evidence),
    )
    return result.path


@dataclass(frozen=True)
class Package:
    name: str
    size: int
    made_at: float


def list_packages(user: Any, grant: Grant) -> list[Package]:
    check_may_package_read(user, grant)
    folder = packages_dir(grant)
    if not folder.is_dir():
        return []
    return [
        Package(p.name, p.stat().st_size, p.stat().st_mtime)
        for p in sorted(folder.glob("*.zip"))
        if PACKAGE_NAME.match(p.name)
    ]


def check_may_package_read(user: Any, grant: Grant) -> None:
    if not may_have_package(user, grant):
        raise Forbidden(
            _(
                "Only the matter's handlers, the head of its agency or the grant's holder "
                "get its copy."
            )
        )


def open_package(user: Any, grant: Grant, name: str) -> Path:
    """Check and log, in that order, before the first byte of a package is served."""
    check_may_package_read(user, grant)
    if not PACKAGE_NAME.match(name):
        raise NotFound(_("No such package."))
    path = packages_dir(grant) / name
    if not path.is_file():
        raise NotFound(_("No such package."))
    with transaction.atomic():
        events.append(
            events.Actor.of(user),
            "package.downloaded",
            grant,
            {"grant": grant.pk, "package": name, "size": path.stat().st_size},
            context=grant.matter.context,
        )
    return path
