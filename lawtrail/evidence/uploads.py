"""Resumable uploads: the state changes behind the tus 1.0 protocol (第十九条).

The bytes of an upload go to a partial file under ``LAWTRAIL_HOME/uploads``. A PATCH appends
at the acknowledged offset, fsyncs, and only then moves the offset in the database, so a crash
never acknowledges a byte that is not on disk; anything past the offset after a crash is cut off
before the next write. A writer thread (``sink.py``) overlaps the disk with the network, and
during a long body the offset moves about once a second, so a server killed mid-PATCH loses
only the last second of it. One PATCH at a time per upload (an exclusive file lock). When the
last byte lands the upload is complete and the ingest job turns it into evidence; an upload
itself is never visible as evidence. One never completed by its ``expires_at`` is expired:
its bytes are removed and the row is kept with its ledger event (``expire_uploads``).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.evidence.models import Upload
from lawtrail.evidence.sink import Sink
from lawtrail.ledger import events

CHUNK = 1024 * 1024
#: A metadata key is printable ASCII without spaces or commas (tus 1.0, Upload-Metadata).
METADATA_KEY = re.compile(r"^[!-+\--~]{1,64}$")
#: Bounds on Upload-Metadata. Keys we do not know (Uppy sends ``name``, ``type``,
#: ``relativePath`` …) are kept as sent, but only this many and this long in all; gunicorn
#: refuses a header line longer than 8190 bytes before it reaches us anyway.
MAX_METADATA_BYTES = 8 * 1024
MAX_METADATA_KEYS = 32
CHECKSUM_ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "md5": hashlib.md5}
#: During a long PATCH the acknowledged offset moves at most this often (an fsync and a short
#: UPDATE each time), so a server killed mid-body loses about this much of the transfer.
CHECKPOINT_SECONDS = 1.0

log = logging.getLogger(__name__)


class Conflict(ActionError):
    """The client's offset is not ours (tus: 409)."""

    status = 409


class Gone(ActionError):
    status = 410


class Locked(ActionError):
    """Another PATCH of the same upload is running (423)."""

    status = 423


class ChecksumMismatch(ActionError):
    """tus checksum extension: the chunk did not match Upload-Checksum (460)."""

    status = 460


class TooLarge(ActionError):
    status = 413


class Malformed(ActionError):
    """An Upload-Metadata header that is not what tus 1.0 describes, or beyond our bounds (400)."""

    status = 400


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64value,key2 base64value2`` → dict; keys unique, values UTF-8.

    Every key is kept, the ones we do not know too (stock clients send their own); the ones we
    know are checked by ``declared`` and ``ingest.clean``. A header that breaks the syntax or
    our bounds is refused whole (400), so no part of it is silently dropped.
    """
    if len(header) > MAX_METADATA_BYTES:
        raise Malformed(
            _("Upload-Metadata is longer than %(max)d bytes.") % {"max": MAX_METADATA_BYTES}
        )
    pairs = [p.strip() for p in header.split(",") if p.strip()]
    if len(pairs) > MAX_METADATA_KEYS:
        raise Malformed(
            _("Upload-Metadata has %(count)d keys; at most %(max)d are accepted.")
            % {"count": len(pairs), "max": MAX_METADATA_KEYS}
        )
    result: dict[str, str] = {}
    for pair in pairs:
        key, _sep, value = pair.partition(" ")
        if not METADATA_KEY.match(key):
            raise Malformed(
                _(
                    "Upload-Metadata key %(key)s is not allowed: a key is 1 to 64 printable "
                    "ASCII characters without spaces or commas."
                )
                % {"key": ascii(key[:64])}
            )
        if key in result:
            raise Malformed(_("Upload-Metadata repeats %(key)s.") % {"key": key})
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise Malformed(
                _("Upload-Metadata value of %(key)s is not base64 of UTF-8 text.") % {"key": key}
            ) from None
        result[key] = decoded
    return result


def declared(metadata: dict[str, str]) -> dict[str, str]:
    """The metadata keys that mean something to ingest (matter, device, officer, capture
    times …, 第十七条 and 第十九条); the others are kept on the upload and ignored.

    Clients that name the file ``name`` (Uppy sends it beside ``filename``) get it as the
    filename when ``filename`` is absent.
    """
    from lawtrail.evidence.ingest import METADATA_FIELDS

    known = {key: value for key, value in metadata.items() if key in METADATA_FIELDS}
    if not known.get("filename") and metadata.get("name"):
        known["filename"] = metadata["name"]
    return known


def fsync_dir(path: os.PathLike[str] | str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@transaction.atomic
def create_upload(user: Any, length: int, metadata: dict[str, str]) -> Upload:
    """tus creation: an empty partial file and its row."""
    if length < 0:
        raise Invalid(_("Upload-Length must not be negative."), {"Upload-Length": []})
    if length > settings.LAWTRAIL_UPLOAD_MAX_BYTES:
        raise TooLarge(
            _("Uploads are limited to %(max)d bytes.") % {"max": settings.LAWTRAIL_UPLOAD_MAX_BYTES}
        )
    # Refuse bad metadata now, before a byte flows; ingest checks it again at the end.
    from lawtrail.evidence.ingest import clean, from_metadata

    clean(user, from_metadata(declared(metadata), "tus"))
    now = timezone.now()
    upload = Upload.objects.create(
        created_by=user,
        length=length,
        metadata=metadata,
        created_at=now,
        expires_at=now + timedelta(hours=settings.LAWTRAIL_UPLOAD_EXPIRY_HOURS),
    )
    upload.path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(upload.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fsync(fd)
    os.close(fd)
    fsync_dir(upload.path.parent)
    events.append(
        events.Actor.of(user),
        "upload.created",
        ("evidence.upload", str(upload.id)),
        {"length": length, "metadata": metadata},
    )
    if length == 0:
        complete(user, upload)
    return upload


def get_upload(user: Any, upload_id: object) -> Upload:
    """Only the login that created an upload may see or continue it."""
    try:
        upload = Upload.objects.get(pk=uuid.UUID(str(upload_id)))
    except (Upload.DoesNotExist, ValueError):
        raise NotFound(_("No such upload.")) from None
    if upload.created_by_id != user.pk:
        raise NotFound(_("No such upload."))
    refuse_if_gone(upload)
    return upload


def refuse_if_gone(upload: Upload) -> None:
    """tus: a terminated or expired upload answers 410 Gone, whether or not the sweep of
    ``expire_uploads`` has reached it yet."""
    if upload.state == Upload.State.TERMINATED:
        raise Gone(_("This upload was terminated."))
    if upload.state == Upload.State.EXPIRED or (
        upload.state == Upload.State.RECEIVING and upload.expires_at <= timezone.now()
    ):
        raise Gone(_("This upload has expired."))


@contextmanager
def locked(upload: Upload) -> Iterator[int]:
    try:
        fd = os.open(upload.path, os.O_RDWR)
    except FileNotFoundError:
        raise Gone(_("The bytes of this upload are gone.")) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(_("Another request is writing this upload.")) from None
        yield fd
    finally:
        os.close(fd)


@dataclass
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(header: str) -> Checksum | None:
    if not header:
        return None
    algorithm, _sep, value = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise Invalid(
            _("Unsupported checksum algorithm %(a)s.") % {"a": algorithm[:16]},
            {"Upload-Checksum": []},
        )
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("Upload-Checksum is not base64."), {"Upload-Checksum": []}) from None
    return Checksum(algorithm, digest)


def receive(
    user: Any,
    upload: Upload,
    *,
    offset: int,
    stream: BinaryIO,
    content_length: int | None,
    checksum: Checksum | None = None,
) -> Upload:
    """tus PATCH: append the body at ``offset``; return the upload with its new offset.

    The bytes are written and fsynced outside any database transaction; the offset moves in
    short ones (conditional UPDATEs), so a slow client never holds a lock in the DB. Without
    Upload-Checksum the offset also moves about every ``CHECKPOINT_SECONDS`` during a long
    body, and what arrived is kept when the connection breaks (tus: resume from there); with a
    checksum the chunk counts only as a whole.

    ``content_length`` None is a body of unknown length (``Transfer-Encoding: chunked``): it is
    read to its end. One that goes on past the end of the upload is refused (413) and only what
    was acknowledged before that is kept.
    """
    if upload.state != Upload.State.RECEIVING:
        raise Forbidden(_("This upload is already complete."))
    with locked(upload) as fd:
        upload.refresh_from_db()
        # Whoever held the lock before us may have completed, terminated or expired it.
        refuse_if_gone(upload)
        if upload.state != Upload.State.RECEIVING:
            raise Forbidden(_("This upload is already complete."))
        if offset != upload.offset:
            raise Conflict(
                _("Upload-Offset %(given)d does not match the upload's offset %(ours)d.")
                % {"given": offset, "ours": upload.offset}
            )
        start = upload.offset
        remaining = upload.length - start
        if content_length is not None and content_length > remaining:
            raise TooLarge(_("The body is longer than the rest of the upload."))
        # Bytes past the acknowledged offset were never acknowledged: cut them off.
        os.ftruncate(fd, start)
        os.lseek(fd, start, os.SEEK_SET)
        hasher = CHECKSUM_ALGORITHMS[checksum.algorithm]() if checksum else None
        budget = remaining if content_length is None else content_length
        acknowledged = start  # durable and recorded in the database

        def record(durable: int) -> None:
            nonlocal acknowledged
            move_offset(upload, acknowledged, durable)
            acknowledged = durable

        # With a checksum the chunk counts only as a whole: no checkpoints inside it.
        sink = Sink(fd, start, every=None if hasher else CHECKPOINT_SECONDS, on_durable=record)
        began = time.perf_counter()
        reading = 0.0  # seconds spent waiting for the client, for the log (where time goes)
        try:
            while sink.received < budget:
                before = time.perf_counter()
                chunk = stream.read(min(CHUNK, budget - sink.received))
                reading += time.perf_counter() - before
                if not chunk:
                    break
                sink.write(chunk)
                if hasher:
                    hasher.update(chunk)
            # A body of unknown length must end where the upload does.
            overflow = content_length is None and sink.received == budget and bool(stream.read(1))
        except Exception:
            # The client went away mid-body: keep what arrived so it can resume from there.
            if hasher is None:
                try:
                    sink.keep_what_arrived()
                except Exception:  # the original error is the one to report
                    log.exception("upload %s: could not keep a broken PATCH's bytes", upload.pk)
            else:
                sink.drain()
            raise
        if overflow:
            sink.drain()
            os.ftruncate(fd, acknowledged)
            raise TooLarge(
                _(
                    "The body is longer than the rest of the upload; it was discarded after "
                    "offset %(offset)d."
                )
                % {"offset": acknowledged}
            )
        # With a Content-Length a short body is a broken one; a chunked body ends where it ends.
        short = content_length is not None and sink.received != budget
        if hasher and (short or hasher.digest() != checksum.digest):  # type: ignore[union-attr]
            sink.drain()
            os.ftruncate(fd, start)
            raise ChecksumMismatch(_("The chunk does not match Upload-Checksum; it was discarded."))
        body_done = time.perf_counter()
        new_offset = sink.finish()  # every byte written and fdatasynced
        log.debug(
            "upload %s: %d bytes in %.3f s: reading %.3f s, handing over %.3f s, final sync "
            "%.3f s; writer: write %.3f s, writeback %.3f s, syncs %.3f s",
            upload.pk,
            sink.received,
            time.perf_counter() - began,
            reading,
            sink.timings["handing_over"],
            time.perf_counter() - body_done,
            sink.timings["write"],
            sink.timings["writeback"],
            sink.timings["sync"],
        )
        with transaction.atomic():
            move_offset(upload, acknowledged, new_offset)
            if new_offset == upload.length:
                complete(user, upload)
    return upload


def move_offset(upload: Upload, old: int, new: int) -> None:
    """Record durable bytes: a crash from here on loses nothing acknowledged."""
    with transaction.atomic():
        moved = Upload.objects.filter(
            pk=upload.pk, offset=old, state=Upload.State.RECEIVING
        ).update(offset=new)
    if moved != 1:
        raise Conflict(_("The upload moved under us; ask for its offset again."))
    upload.offset = new


def complete(user: Any, upload: Upload) -> None:
    """The last byte is durable: mark complete, log it and queue the ingest after commit."""
    upload.state = Upload.State.COMPLETE
    upload.completed_at = timezone.now()
    upload.save(update_fields=["state", "completed_at"])
    events.append(
        events.Actor.of(user),
        "upload.completed",
        ("evidence.upload", str(upload.id)),
        {"length": upload.length},
    )
    from lawtrail.evidence.tasks import ingest_upload

    transaction.on_commit(lambda: ingest_upload.enqueue(str(upload.id)))


@transaction.atomic
def terminate(user: Any, upload: Upload) -> None:
    """tus termination, of incomplete uploads only: completed uploads are evidence-to-be."""
    if upload.state != Upload.State.RECEIVING:
        raise Forbidden(_("Only an incomplete upload can be terminated."))
    with locked(upload):
        Upload.objects.filter(pk=upload.pk).update(state=Upload.State.TERMINATED)
        upload.path.unlink(missing_ok=True)
    events.append(
        events.Actor.of(user),
        "upload.terminated",
        ("evidence.upload", str(upload.id)),
        {"offset": upload.offset, "length": upload.length},
    )


def due_for_expiry(now: datetime | None = None) -> QuerySet[Upload]:
    """Uploads past their ``expires_at`` that never completed (tus expiration)."""
    return Upload.objects.filter(
        state=Upload.State.RECEIVING, expires_at__lte=now or timezone.now()
    ).order_by("expires_at")


@dataclass
class Expiry:
    """What one sweep of ``expire_uploads`` did."""

    expired: list[Upload] = field(default_factory=list)
    #: Uploads a PATCH was writing during the sweep; the next sweep takes them.
    busy: list[Upload] = field(default_factory=list)
    #: Part files left behind by a crash after their upload was expired, terminated or ingested.
    leftovers: int = 0


def expire_uploads(now: datetime | None = None) -> Expiry:
    """tus expiration: an upload not complete by its ``expires_at`` never will be.

    Its part file is removed, and the row stays as history, marked ``expired``, with an
    ``upload.expired`` event written in the same transaction; from then on the upload answers
    410 Gone. Nothing that was evidence is touched: only incomplete uploads expire, and an
    upload is evidence only once complete and ingested (第十九条 asks for the upload itself
    within 48 hours; ``LAWTRAIL_UPLOAD_EXPIRY_HOURS`` gives a client far longer to resume).

    Idempotent and safe beside running PATCHes: an upload whose PATCH holds its lock is left
    for the next sweep, and the conditional UPDATE lets only one sweep expire an upload.
    """
    now = now or timezone.now()
    report = Expiry()
    # A list: the rows change under the loop, so no cursor is kept open across it.
    for upload in list(due_for_expiry(now).select_related("created_by")):
        try:
            with locked(upload):
                # The file goes while we hold the lock: no PATCH can open it meanwhile.
                if expire_one(upload, now):
                    report.expired.append(upload)
        except Locked:
            report.busy.append(upload)
        except Gone:  # the part file is already gone (a crash, or an operator)
            if expire_one(upload, now):
                report.expired.append(upload)
    report.leftovers = remove_leftover_parts()
    return report


def expire_one(upload: Upload, now: datetime) -> bool:
    """Mark one upload expired with its ledger event, then remove its bytes."""
    with transaction.atomic():
        moved = Upload.objects.filter(
            pk=upload.pk, state=Upload.State.RECEIVING, expires_at__lte=now
        ).update(state=Upload.State.EXPIRED)
        if moved != 1:
            return False  # completed, terminated or expired meanwhile
        upload.refresh_from_db()
        events.append(
            events.SYSTEM,
            "upload.expired",
            ("evidence.upload", str(upload.id)),
            {
                "offset": upload.offset,
                "length": upload.length,
                "expires_at": upload.expires_at.isoformat(),
                "created_by": upload.created_by_id,
            },
        )
    # After the commit: a crash before this line leaves a file the next sweep removes.
    upload.path.unlink(missing_ok=True)
    return True


def remove_leftover_parts() -> int:
    """Remove part files whose upload is over (expired, terminated or ingested).

    Only files whose row says so: a part file without a committed row may belong to an upload
    being created right now.
    """
    folder = Path(settings.LAWTRAIL_HOME) / "uploads"
    if not folder.is_dir():
        return 0
    found: dict[uuid.UUID, Path] = {}
    for path in folder.glob("*.part"):
        try:
            found[uuid.UUID(path.stem)] = path
        except ValueError:
            continue
    over = (Upload.State.EXPIRED, Upload.State.TERMINATED, Upload.State.INGESTED)
    removed = 0
    ids = list(found)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        for pk in Upload.objects.filter(pk__in=batch, state__in=over).values_list("pk", flat=True):
            found[pk].unlink(missing_ok=True)
            removed += 1
    return removed
