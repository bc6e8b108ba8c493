"""Where the provincial offsite copy goes (第十九条, issue 9 §1).

``LAWTRAIL_REPLICA`` names the province's store for everyone; an agency may have a target of its
own (``AgencyReplica``), which then also serves the agencies below it that have none. A replica
is a ``BlobStore`` built by ``storage.config.from_url`` with the local store's key ring, so it is
encrypted at rest whenever the local store is. URLs are only ever shown redacted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency
from lawtrail.agencies.scope import can_administer
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger import events
from lawtrail.replication.models import AgencyReplica
from lawtrail.storage import BlobStore, StoreError, StoreURLError, from_url, parse_store_url
from lawtrail.storage.config import redact
from lawtrail.storage.kms import configured_keyring


class NoReplica(RuntimeError):
    """No replica is configured: neither LAWTRAIL_REPLICA nor any agency's target."""


def replica_url(agency: Agency | None = None) -> str:
    """The URL for ``agency``'s evidence: its own target, the nearest above it, else the
    setting ("" when there is none)."""
    if agency is not None:
        chain: list[int] = []
        current: Agency | None = agency
        while current is not None and len(chain) < 16:
            chain.append(current.pk)
            current = current.parent
        targets = dict(
            AgencyReplica.objects.filter(agency_id__in=chain).values_list("agency_id", "url")
        )
        for pk in chain:
            if pk in targets:
                return str(targets[pk])
    return str(settings.LAWTRAIL_REPLICA or "")


def label(url: str) -> str:
    """The name a replica is recorded under: its URL with the secrets masked."""
    return redact(url)


_stores: dict[str, BlobStore] = {}


def store_for(url: str) -> BlobStore:
    """The store a replica URL names (built once per process and key ring)."""
    kms = configured_keyring()
    key = f"{id(kms)}|{url}"
    if key not in _stores:
        _stores[key] = from_url(url, kms=kms)
    return _stores[key]


def clear_cache() -> None:
    _stores.clear()


def replica_store(agency: Agency | None = None) -> BlobStore | None:
    """The replica for ``agency``'s evidence (or the province's), or None when there is none."""
    url = replica_url(agency)
    return store_for(url) if url else None


def all_targets() -> list[str]:
    """Every replica URL in use: the setting first, then each agency's, without repeats."""
    urls: list[str] = []
    if settings.LAWTRAIL_REPLICA:
        urls.append(str(settings.LAWTRAIL_REPLICA))
    for url in AgencyReplica.objects.order_by("agency_id").values_list("url", flat=True):
        if url not in urls:
            urls.append(url)
    return urls


def require_replica() -> list[str]:
    urls = all_targets()
    if not urls:
        raise NoReplica(
            _(
                "No replica is configured: set LAWTRAIL_REPLICA (file:///folder or "
                "s3://bucket?endpoint=…) or give an agency a target with "
                "`lawtrail backup target set`."
            )
        )
    return urls


def replica_errors() -> tuple[type[BaseException], ...]:
    """What a replica raises when it is down, slow or refusing: worth a retry."""
    errors: list[type[BaseException]] = [StoreError, OSError, TimeoutError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        pass
    else:
        errors.extend([BotoCoreError, ClientError])
    return tuple(errors)


@transaction.atomic
def set_agency_replica(user: Any, agency: Agency, url: str) -> AgencyReplica:
    """System administrators give an agency its own replica target; a ledger event says so
    (with the URL redacted). A bad URL is refused with a sentence and nothing changes."""
    if not can_administer(user):
        raise Forbidden(_("Only system administrators set replica targets."))
    url = url.strip()
    try:
        parse_store_url(url)
    except StoreURLError as error:
        raise Invalid(
            _("That is not a usable replica URL: %(e)s") % {"e": error}, {"url": [str(error)]}
        ) from None
    previous = AgencyReplica.objects.select_for_update().filter(agency=agency).first()
    now = timezone.now()
    old_url = previous.url if previous is not None else ""
    if previous is None:
        target = AgencyReplica.objects.create(agency=agency, url=url, set_by=user, set_at=now)
    else:
        previous.url, previous.set_by, previous.set_at = url, user, now
        previous.save(update_fields=["url", "set_by", "set_at"])
        target = previous
    events.append(
        events.Actor.of(user),
        "replica.target_set",
        agency,
        {
            "agency": agency.pk,
            "replica": label(url),
            "previous": label(old_url) if old_url else "",
        },
    )
    return target
