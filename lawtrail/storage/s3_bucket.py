"""Setting up the bucket of an ``S3Store``: create it, turn on versioning and Object Lock.

Split out of lawtrail/storage/s3.py to keep that module small; see decision 0006 and 0007.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from lawtrail.storage.errors import StoreError

if TYPE_CHECKING:
    from lawtrail.storage.s3 import S3Store

__all__ = ["LOCK_MODES", "code", "create_bucket_if_missing", "enable_lock", "enable_versioning"]

log = logging.getLogger("lawtrail.storage.s3")

LOCK_MODES = {"compliance": "COMPLIANCE", "governance": "GOVERNANCE"}


def code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def create_bucket_if_missing(store: S3Store) -> None:
    try:
        store.client.head_bucket(Bucket=store.bucket)
        return
    except ClientError as exc:
        if code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
            raise StoreError(f"cannot reach bucket {store.bucket}: {exc}") from exc
    args: dict[str, Any] = {"Bucket": store.bucket}
    if store.region and store.region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": store.region}
    try:
        # Object Lock can be switched on at creation only (on most backends).
        store.client.create_bucket(**args, ObjectLockEnabledForBucket=bool(store.lock))
    except ClientError as exc:
        if code(exc) in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            return
        if not store.lock:
            raise StoreError(f"cannot create bucket {store.bucket}: {exc}") from exc
        log.warning("bucket %s: creating with Object Lock failed (%s)", store.bucket, exc)
        store.client.create_bucket(**args)


def enable_versioning(store: S3Store) -> bool:
    try:
        status = store.client.get_bucket_versioning(Bucket=store.bucket).get("Status")
        if status != "Enabled":
            store.client.put_bucket_versioning(
                Bucket=store.bucket, VersioningConfiguration={"Status": "Enabled"}
            )
        return True
    except ClientError as exc:
        log.warning("bucket %s: no versioning (%s)", store.bucket, exc)
        return False


def enable_lock(store: S3Store) -> str | None:
    try:
        config = store.client.get_object_lock_configuration(Bucket=store.bucket)
        enabled = config["ObjectLockConfiguration"].get("ObjectLockEnabled") == "Enabled"
    except ClientError:
        enabled = False
    if not enabled:
        # AWS lets a versioned bucket turn Object Lock on later; others may refuse.
        try:
            store.client.put_object_lock_configuration(
                Bucket=store.bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
            )
        except ClientError as exc:
            log.warning("bucket %s: no Object Lock (%s)", store.bucket, exc)
            return None
    return LOCK_MODES[store.lock] if store.lock else None
