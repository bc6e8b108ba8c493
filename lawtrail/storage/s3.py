"""The S3 blob store: any S3 API through boto3, with versioning and Object Lock where offered.

A put has two phases (docs/decisions/0006-s3-store-two-phase-put.md):

1. The stream goes once through the digest engine into a local spool file (or, when the source
   already is a regular local file, it is hashed where it lies): SHA-256 and SM3 are known
   before anything reaches the bucket.
2. If the bucket already holds that content (same digests in the metadata, and a streamed
   SHA-256 of the current version agrees: metadata alone can be forged), nothing is uploaded.
   Otherwise the spool is uploaded straight to its content key ``<prefix>ab/cd/<sha256>`` with
   the digests in the object's metadata and an Object Lock retention, in parts of
   ``part_size`` (a few parts in memory at most). The parts are hashed again as they are sent;
   if they do not add up to the digest of phase 1, the upload is aborted.

So no temporary object ever exists in the bucket (there is nothing to delete afterwards, and
we never delete), an interrupted put leaves at most an unfinished multipart upload, which is
invisible and which ``cleanup_temp`` aborts, and identical content is uploaded once.

With a key ring (``kms``) phase 1 always spools, and what it spools is the ciphertext
(lawtrail/storage/crypto.py): the key and the digests in the metadata stay those of the
plaintext, the object's bytes are the encrypted format, and readers decrypt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
import stat
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from lawtrail.storage.base import (
    BlobStore,
    Readable,
    StoredBlob,
    Verification,
    blob_key,
    check_declared,
    range_bounds,
)
from lawtrail.storage.crypto import (
    HEADER_SIZE,
    MAGIC,
    CiphertextError,
    Encryptor,
    Header,
    Layout,
    decrypt_segments,
    open_plain,
    parse_header,
    refuse_lookalike,
)
from lawtrail.storage.digests import Digests, Source, digest_stream, hash_stream
from lawtrail.storage.errors import BlobNotFound, StoreError
from lawtrail.storage.kms import KMS, MasterKeyError
from lawtrail.storage.s3_bucket import (
    LOCK_MODES,
    create_bucket_if_missing,
    enable_lock,
    enable_versioning,
)
from lawtrail.storage.s3_bucket import code as _code

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = ["DEFAULT_PART_SIZE", "DEFAULT_RETENTION_DAYS", "S3Store"]

log = logging.getLogger(__name__)

#: Parts of 16 MiB keep at most ~48 MiB in memory (three parts: one read, two sending) and
#: allow objects of 156 GiB within S3's 10,000 parts; larger objects get larger parts.
DEFAULT_PART_SIZE = 16 << 20
MIN_PART_SIZE = 5 << 20
MAX_PARTS = 10_000
PARTS_IN_FLIGHT = 2
#: Evidence is kept forever; S3 needs a date, so the lock runs a century and can be extended.
DEFAULT_RETENTION_DAYS = 36_500
READ_CHUNK = 1 << 20
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


def _is_regular_file(source: object) -> bool:
    """A seekable regular file can be hashed in place instead of spooled."""
    try:
        fileno = source.fileno  # type: ignore[attr-defined]
        return bool(source.seekable()) and stat.S_ISREG(os.fstat(fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _spool_default() -> Path:
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        try:
            return Path(settings.LAWTRAIL_HOME) / "tmp" / "s3-spool"
        except (ImproperlyConfigured, AttributeError):  # a plain tool without lawtrail settings
            pass
    except ImportError:
        pass
    return Path(tempfile.gettempdir()) / "lawtrail-s3-spool"


class S3Store(BlobStore):
    """Blobs as objects named by their SHA-256 in an S3 bucket (versioned, locked if possible)."""

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
        lock: str | None = "compliance",
        retention_days: int = DEFAULT_RETENTION_DAYS,
        require_lock: bool = False,
        part_size: int = DEFAULT_PART_SIZE,
        spool_dir: str | os.PathLike[str] | None = None,
        client: S3Client | None = None,
        kms: KMS | None = None,
    ) -> None:
        if lock is not None and lock not in LOCK_MODES:
            raise ValueError(f"lock must be one of {sorted(LOCK_MODES)} or None, not {lock!r}")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        #: The key ring that encrypts new objects (None: they are stored as they are).
        self.kms = kms
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.lock = lock
        self.retention_days = retention_days
        self.require_lock = require_lock
        self.part_size = part_size
        self._spool_dir = Path(spool_dir) if spool_dir is not None else None
        self._credentials = (access_key, secret_key)
        self._client = client
        self._setup_lock = threading.Lock()
        self._ready = False
        self.versioning = False
        #: The lock mode new objects get ("COMPLIANCE"/"GOVERNANCE"), None if the bucket has none.
        self.lock_mode: str | None = None

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    # -- set-up -------------------------------------------------------------------------------

    @property
    def client(self) -> S3Client:
        if self._client is None:
            access_key, secret_key = self._credentials
            config = Config(
                s3={"addressing_style": "path"} if self.endpoint_url else {},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=10,
                read_timeout=300,
                max_pool_connections=PARTS_IN_FLIGHT + 4,
            )
            # Without keys in the URL, boto3 finds them (AWS_ACCESS_KEY_ID/…, profiles, roles).
            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )
        return self._client

    @property
    def spool_dir(self) -> Path:
        """Scratch space for phase 1 (LAWTRAIL_HOME/tmp/s3-spool by default)."""
        return self._spool_dir or _spool_default()

    @spool_dir.setter
    def spool_dir(self, folder: str | os.PathLike[str]) -> None:
        self._spool_dir = Path(folder)

    def ensure_bucket(self) -> None:
        """Create the bucket if needed; turn on versioning and, where offered, Object Lock."""
        with self._setup_lock:
            if self._ready:
                return
            create_bucket_if_missing(self)
            self.versioning = enable_versioning(self)
            self.lock_mode = enable_lock(self) if self.lock else None
            if self.require_lock and self.lock_mode is None:
                raise StoreError(
                    f"bucket {self.bucket} has no Object Lock and the store URL requires it"
                )
            self._ready = True

    def describe(self) -> dict[str, object]:
        self.ensure_bucket()
        return {
            "kind": self.kind,
            "bucket": self.bucket,
            "endpoint": self.endpoint_url,
            "prefix": self.prefix,
            "versioning": self.versioning,
            "lock": self.lock_mode,
            "retention_days": self.retention_days if self.lock_mode else None,
            "encrypts": self.kms is not None,
        }

    def key(self, sha256: str) -> str:
        return self.prefix + blob_key(sha256)

    def _lock_args(self) -> dict[str, Any]:
        if not self.lock_mode:
            return {}
        until = dt.datetime.now(dt.UTC) + dt.timedelta(days=self.retention_days)
        return {"ObjectLockMode": self.lock_mode, "ObjectLockRetainUntilDate": until}

    # -- writing ------------------------------------------------------------------------------

    def put_stream(
        self,
        source: Source,
        *,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        expected_sm3: str | None = None,
    ) -> StoredBlob:
        self.ensure_bucket()
        if self.kms is not None:
            declared = (expected_size, expected_sha256, expected_sm3)
            return self._put_encrypted(self.kms, source, *declared)
        if _is_regular_file(source):
            f = cast(BinaryIO, source)
            start = f.tell()
            digests = digest_stream(f, max_size=expected_size)
            check_declared(
                digests,
                expected_size=expected_size,
                expected_sha256=expected_sha256,
                expected_sm3=expected_sm3,
            )
            return self._store(f, start, digests)
        spool_dir = self.spool_dir
        spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=spool_dir, prefix="spool-") as spool:
            digests = digest_stream(source, spool.write, max_size=expected_size)
            check_declared(
                digests,
                expected_size=expected_size,
                expected_sha256=expected_sha256,
                expected_sm3=expected_sm3,
            )
            return self._store(cast(BinaryIO, spool), 0, digests)

    def _put_encrypted(
        self,
        kms: KMS,
        source: Source,
        expected_size: int | None,
        expected_sha256: str | None,
        expected_sm3: str | None,
    ) -> StoredBlob:
        spool_dir = self.spool_dir
        spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=spool_dir, prefix="spool-") as spool:
            spooled = hashlib.sha256()

            def write(view: memoryview) -> None:
                spooled.update(view)
                spool.write(view)

            encryptor = Encryptor(kms, write)
            encryptor.start()
            digests = digest_stream(source, encryptor, max_size=expected_size)
            check_declared(
                digests,
                expected_size=expected_size,
                expected_sha256=expected_sha256,
                expected_sm3=expected_sm3,
            )
            encryptor.finish()
            stored = (encryptor.written, spooled.hexdigest())
            return self._store(cast(BinaryIO, spool), 0, digests, stored)

    def _store(
        self, f: BinaryIO, start: int, digests: Digests, stored: tuple[int, str] | None = None
    ) -> StoredBlob:
        """Upload unless the content is there; ``stored``: length and SHA-256 of the bytes to
        send when they are not the plaintext (encrypted)."""
        if stored is None:
            f.seek(start)
            refuse_lookalike(f.read(len(MAGIC)))
        key = self.key(digests.sha256)
        head = self._head(key)
        if head is not None and self._intact(key, head, digests):
            return self._existing(key, head, digests)
        if head is not None:
            # Tampered or damaged: a fresh version goes on top; the bad one stays for inquiry.
            log.warning("object %s does not hold what its name says; uploading it again", key)
        try:
            # If-None-Match makes concurrent puts of the same new content store it once.
            version = self._upload(f, start, key, digests, stored, if_absent=head is None)
        except ClientError as exc:
            if _code(exc) != "PreconditionFailed":
                raise
            head = self._head(key)
            if head is None or not self._intact(key, head, digests):
                raise StoreError(f"{key} appeared meanwhile with other content") from exc
            return self._existing(key, head, digests)
        return StoredBlob(digests.sha256, digests.sm3, digests.size, key, True, version)

    @staticmethod
    def _existing(key: str, head: dict[str, Any], digests: Digests) -> StoredBlob:
        version = head.get("VersionId")
        return StoredBlob(digests.sha256, digests.sm3, digests.size, key, False, version)

    def _intact(self, key: str, head: dict[str, Any], digests: Digests) -> bool:
        """Does the current version hold these bytes? Metadata can be forged by anyone with
        write access, so the bytes are re-hashed (SHA-256, streamed) as well."""
        meta = head.get("Metadata", {})
        if meta.get("sha256") != digests.sha256 or meta.get("sm3") != digests.sm3:
            return False
        if not meta.get("encryption") and head.get("ContentLength") != digests.size:
            return False
        version = {"VersionId": head["VersionId"]} if head.get("VersionId") else {}
        body = self.client.get_object(Bucket=self.bucket, Key=key, **version)["Body"]
        try:
            reader, _ = open_plain(body, self.kms)
            try:
                hexes, size = hash_stream(reader, ("sha256",))
            finally:
                reader.close()
        except CiphertextError:
            return False
        return size == digests.size and hexes["sha256"] == digests.sha256

    def _part_size(self, size: int) -> int:
        part = self.part_size
        while size > part * MAX_PARTS:
            part *= 2
        return part

    def _upload(
        self,
        f: BinaryIO,
        start: int,
        key: str,
        digests: Digests,
        stored: tuple[int, str] | None,
        *,
        if_absent: bool,
    ) -> str | None:
        condition: dict[str, Any] = {"IfNoneMatch": "*"} if if_absent else {}
        metadata = {"sha256": digests.sha256, "sm3": digests.sm3}
        if stored is not None:
            metadata.update(encryption="lawtrail-1", size=str(digests.size))
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "ContentType": "application/octet-stream",
            "Metadata": metadata,
            **self._lock_args(),
        }
        length, expected = stored or (digests.size, digests.sha256)
        sent = hashlib.sha256()
        f.seek(start)
        part_size = self._part_size(length)
        if length <= part_size:
            data = f.read(length)
            sent.update(data)
            self._check_sent(sent, len(data), length, expected)
            return self.client.put_object(Body=data, **args, **condition).get("VersionId")
        upload_id = self.client.create_multipart_upload(**args)["UploadId"]
        try:
            parts = self._upload_parts(f, key, upload_id, part_size, length, sent)
            self._check_sent(sent, length, length, expected)
            done = self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                **condition,
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return done.get("VersionId")

    def _upload_parts(
        self, f: BinaryIO, key: str, upload_id: str, part_size: int, size: int, sent: Any
    ) -> list[dict[str, Any]]:
        def send(number: int, data: bytes) -> dict[str, Any]:
            answer = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )
            return {"PartNumber": number, "ETag": answer["ETag"]}

        parts: list[dict[str, Any]] = []
        pending: deque[Future[dict[str, Any]]] = deque()
        remaining = size
        with ThreadPoolExecutor(PARTS_IN_FLIGHT, thread_name_prefix="s3-part") as pool:
            try:
                number = 0
                while remaining > 0:
                    data = f.read(min(part_size, remaining))
                    if not data:
                        raise StoreError("the spooled stream ended early")
                    remaining -= len(data)
                    number += 1
                    sent.update(data)  # what is sent is what is checked
                    pending.append(pool.submit(send, number, data))
                    del data
                    while len(pending) >= PARTS_IN_FLIGHT:
                        parts.append(pending.popleft().result())
                while pending:
                    parts.append(pending.popleft().result())
            finally:
                for future in pending:
                    future.cancel()
        return parts

    @staticmethod
    def _check_sent(sent: Any, length: int, size: int, sha256: str) -> None:
        if length != size or sent.hexdigest() != sha256:
            raise StoreError("the bytes read for upload differ from the bytes hashed; aborted")

    # -- reading ------------------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise

    def _get(self, sha256: str, **extra: Any) -> dict[str, Any]:
        self.ensure_bucket()
        try:
            return cast(
                dict[str, Any],
                self.client.get_object(Bucket=self.bucket, Key=self.key(sha256), **extra),
            )
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise BlobNotFound(sha256) from None
            raise

    def open(self, sha256: str) -> Readable:
        """The plaintext: an encrypted object is decrypted as it is read."""
        return open_plain(cast(Readable, self._get(sha256)["Body"]), self.kms)[0]

    def _probe(self, sha256: str) -> tuple[Header | None, int]:
        """The encryption header of the current version (None: plain) and its stored size,
        in one ranged GET."""
        try:
            answer = self._get(sha256, Range=f"bytes=0-{HEADER_SIZE - 1}")
        except ClientError as exc:
            if _code(exc) == "InvalidRange":  # an empty object
                return None, 0
            raise
        body = answer["Body"]
        try:
            head = body.read()
        finally:
            body.close()
        total = str(answer.get("ContentRange") or "").rpartition("/")[2]
        return parse_header(head), int(total) if total.isdigit() else len(head)

    def read_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        header, stored = self._probe(sha256)
        if header is None:
            start, end = range_bounds(start, end, stored)
            if start == end:
                return iter(())
            body = self._get(sha256, Range=f"bytes={start}-{end - 1}")["Body"]
            return self._iter_body(body)
        layout = Layout.of(header, stored)
        start, end = range_bounds(start, end, layout.plain_size)
        if start == end:
            return iter(())
        first, begin, stop = layout.span(start, end)
        body = self._get(sha256, Range=f"bytes={begin}-{stop - 1}")["Body"]
        return decrypt_segments(body, layout, self.kms, first, start, end)

    @staticmethod
    def _iter_body(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def exists(self, sha256: str) -> bool:
        self.ensure_bucket()
        return self._head(self.key(sha256)) is not None

    def size(self, sha256: str) -> int:
        """The size of the plaintext."""
        header, stored = self._probe(sha256)
        return stored if header is None else Layout.of(header, stored).plain_size

    def verify(self, sha256: str, *, expected_sm3: str | None = None) -> Verification:
        """Re-hash the *current* version: what a reader of the key gets today."""
        try:
            answer = self._get(sha256)
        except BlobNotFound:
            return Verification(
                sha256, False, "missing", None, f"no current object {self.key(sha256)}"
            )
        version = answer.get("VersionId")
        try:
            reader, _ = open_plain(answer["Body"], self.kms)
            try:
                actual = digest_stream(reader)
            finally:
                reader.close()
        except CiphertextError as exc:
            detail = f"current version {version} of {self.key(sha256)}: {exc}"
            return Verification(sha256, False, "changed", None, detail)
        except MasterKeyError as exc:
            detail = f"current version {version} of {self.key(sha256)}: {exc}"
            return Verification(sha256, False, "key", None, detail)
        if actual.sha256 != sha256:
            detail = f"current version {version} of {self.key(sha256)} has other bytes"
            return Verification(sha256, False, "changed", actual, detail)
        expected = (expected_sm3 or answer.get("Metadata", {}).get("sm3") or "").lower()
        if expected and actual.sm3 != expected:
            detail = f"SM3 of version {version} differs from {expected}"
            return Verification(sha256, False, "sm3", actual, detail)
        return Verification(sha256, True, "", actual)

    def history(self, sha256: str) -> list[dict[str, Any]]:
        """Every version and delete marker of the blob's key, newest first (for reports)."""
        self.ensure_bucket()
        key = self.key(sha256)
        found: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for v in page.get("Versions", []):
                if v.get("Key") == key:
                    found.append({**v, "DeleteMarker": False})
            for m in page.get("DeleteMarkers", []):
                if m.get("Key") == key:
                    found.append({**m, "DeleteMarker": True})
        found.sort(
            key=lambda v: (
                v.get("LastModified") or dt.datetime.min.replace(tzinfo=dt.UTC),
                bool(v.get("IsLatest")),
            ),
            reverse=True,
        )
        return found

    def iter_keys(self) -> Iterator[str]:
        self.ensure_bucket()
        pattern = re.compile(re.escape(self.prefix) + r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                m = pattern.fullmatch(item.get("Key", ""))
                if m and m.group(3).startswith(m.group(1) + m.group(2)):
                    yield m.group(3)

    def cleanup_temp(self, older_than: float = 24 * 3600) -> int:
        """Abort unfinished multipart uploads and remove old spool files (never an object)."""
        self.ensure_bucket()
        cutoff = time.time() - older_than
        removed = 0
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                initiated = upload.get("Initiated")
                if initiated is not None and initiated.timestamp() < cutoff:
                    with contextlib.suppress(ClientError):
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        spool = self.spool_dir
        if spool.is_dir():
            for entry in os.scandir(spool):
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
        return removed
