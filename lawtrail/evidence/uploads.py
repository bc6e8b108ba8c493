"""Resumable uploads: the state changes behind the tus 1.0 protocol (第十九条).

The bytes of an upload go to a partial file under ``LAWTRAIL_HOME/uploads``. A PATCH appends
at the acknowledged offset, fsyncs, and only then moves the offset in the database, so a crash
never acknowledges a byte that is not on disk; anything past the offset after a crash is cut off
before the next write. A writer thread (``sink.py``) overlaps the disk with the network, and
during a long body the offset moves about once a second, so a server killed mid-PATCH loses
only the last second of it. One PATCH at a time per upload (an exclusive file lock). When the
last byte lands the upload is complete and the ingest job turns it into evidence; an upload
itself is never visible as evidence.
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
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.evidence.models import Upload
from lawtrail.evidence.sink import Sink
from lawtrail.ledger import events

CHUNK = 1024 * 1024
METADATA_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_METADATA_BYTES = 8 * 1024
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


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64value,key2 base64value2`` → dict; keys unique, values UTF-8."""
    if len(header) > MAX_METADATA_BYTES:
        raise Invalid(_("Upload-Metadata is too long."), {"Upload-Metadata": []})
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _sep, value = pair.partition(" ")
        if not METADATA_KEY.match(key):
            raise Invalid(
                _("Upload-Metadata key %(key)s is not allowed.") % {"key": key[:64]},
                {"Upload-Metadata": []},
            )
        if key in result:
            raise Invalid(
                _("Upload-Metadata repeats %(key)s.") % {"key": key}, {"Upload-Metadata": []}
            )
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise Invalid(
                _("Upload-Metadata value of %(key)s is not base64 of UTF-8 text.") % {"key": key},
                {"Upload-Metadata": []},
            ) from None
        result[key] = decoded
    return result


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

    clean(user, from_metadata(metadata, "tus"))
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
    if upload.state == Upload.State.TERMINATED:
        raise Gone(_("This upload was terminated."))
    if upload.state == Upload.State.RECEIVING and upload.expires_at <= timezone.now():
        raise Gone(_("This upload has expired."))
    return upload


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
    """
    if upload.state != Upload.State.RECEIVING:
        raise Forbidden(_("This upload is already complete."))
    with locked(upload) as fd:
        upload.refresh_from_db()
        # A PATCH that held the lock before us may have completed or terminated it.
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
        if hasher and (sink.received != budget or hasher.digest() != checksum.digest):  # type: ignore[union-attr]
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
