"""Background jobs of the evidence room. Each is idempotent and safe to retry after a crash."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from lawtrail.errors import ActionError, Forbidden, NotFound
from lawtrail.evidence.ingest import from_metadata, ingest_file
from lawtrail.evidence.models import Acquisition, Upload
from lawtrail.evidence.uploads import declared, expire_uploads
from lawtrail.ledger import events

log = logging.getLogger(__name__)


@task()
def ingest_upload(upload_id: str) -> None:
    """Turn a complete upload into evidence (the bytes are already fsynced in its part file).

    Safe to run again after a crash at any point: the rows and the upload's state move in one
    transaction, and identical bytes are stored once.
    """
    upload = Upload.objects.select_related("created_by").get(pk=upload_id)
    if upload.state == Upload.State.INGESTED:
        upload.path.unlink(missing_ok=True)  # a crash may have come between commit and unlink
        return
    if upload.state != Upload.State.COMPLETE:
        return  # terminated or failed: nothing to do
    if Acquisition.objects.filter(upload=upload).exists():
        # Rows written by an older version that moved the state separately.
        Upload.objects.filter(pk=upload.pk).update(state=Upload.State.INGESTED)
        upload.path.unlink(missing_ok=True)
        return
    data = from_metadata(declared(upload.metadata), "tus")
    try:
        try:
            ingest_file(
                upload.created_by, upload.path, data, upload=upload, expected_size=upload.length
            )
        except (NotFound, Forbidden) as refused:
            if not data.matter:
                raise
            # The matter was checked when the upload began; if the uploader may no longer bind
            # to it, the recording is still evidence: it waits unbound in their inbox.
            data.matter = ""
            acquisition = ingest_file(
                upload.created_by, upload.path, data, upload=upload, expected_size=upload.length
            )
            with transaction.atomic():
                events.append(
                    events.Actor.of(upload.created_by),
                    "evidence.binding_refused",
                    acquisition.evidence,
                    {
                        "evidence": acquisition.evidence_id,
                        "matter": upload.metadata.get("matter", ""),
                        "reason": refused.message,
                    },
                )
    except ActionError as error:
        with transaction.atomic():
            Upload.objects.filter(pk=upload.pk).update(
                state=Upload.State.FAILED, error=error.message
            )
            events.append(
                events.Actor.of(upload.created_by),
                "upload.ingest_failed",
                ("evidence.upload", str(upload.id)),
                {"error": error.message},
            )
        return
    # The store holds the bytes now; the part file is no longer needed.
    upload.path.unlink(missing_ok=True)
    log.info("upload %s ingested at %s", upload.id, timezone.now())


def stalled_uploads(older_than: timedelta = timedelta(hours=1)) -> QuerySet[Upload]:
    """Complete uploads no ingest has finished: the worker died while running it (a task that
    was RUNNING when its worker was killed is not taken up again by django-tasks)."""
    return Upload.objects.filter(
        state=Upload.State.COMPLETE, completed_at__lt=timezone.now() - older_than
    )


def requeue_stalled_uploads(older_than: timedelta = timedelta(hours=1)) -> int:
    """Queue the ingest of every stalled upload again (ingest is idempotent)."""
    ids = [str(pk) for pk in stalled_uploads(older_than).values_list("pk", flat=True)]
    for upload_id in ids:
        ingest_upload.enqueue(upload_id)
    return len(ids)


@task()
def expire_abandoned_uploads() -> int:
    """tus expiration: remove the bytes of uploads past ``expires_at`` that never completed and
    mark them expired (see ``uploads.expire_uploads``); how many expired.

    ``lawtrail serve`` runs the same sweep every few minutes (``lawtrail uploads expire
    --loop``); this task is for deployments that schedule work through the task queue.
    """
    expiry = expire_uploads()
    if expiry.expired:
        log.info("expired %d abandoned upload(s)", len(expiry.expired))
    return len(expiry.expired)


@task()
def make_working_copies(evidence_id: int, binding_id: int | None) -> None:
    """第十九条: the watermarked working copy (and thumbnail) of one evidence and binding."""
    from lawtrail.evidence.derivatives import make_derivatives

    make_derivatives(evidence_id, binding_id)
