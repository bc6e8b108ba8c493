"""Blob stores: content-addressed, immutable storage of originals (issue 4 §1).

This package knows no domain and has no models: a store moves bytes and names them by their
SHA-256. ``from_url`` builds one from a ``LAWTRAIL_STORE``-style URL, ``default_store`` the one
the settings name. boto3 is imported only when an S3 store is built.

    store = default_store()
    blob = store.put_stream(request_body, expected_size=n)   # StoredBlob(sha256, sm3, size, key)
    store.verify(blob.sha256)                                 # streaming re-hash
"""

from __future__ import annotations

from lawtrail.storage.base import BlobStore, Readable, StoredBlob, Verification
from lawtrail.storage.config import (
    StoreURLError,
    default_store,
    from_url,
    parse_store_url,
    store_encrypts,
)
from lawtrail.storage.crypto import CiphertextError
from lawtrail.storage.digests import Digests, digest_file, digest_stream
from lawtrail.storage.errors import BlobNotFound, ContentMismatch, StoreError
from lawtrail.storage.kms import MasterKeyError
from lawtrail.storage.local import LocalStore

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "CiphertextError",
    "ContentMismatch",
    "Digests",
    "LocalStore",
    "MasterKeyError",
    "Readable",
    "StoreError",
    "StoreURLError",
    "StoredBlob",
    "Verification",
    "default_store",
    "digest_file",
    "digest_stream",
    "from_url",
    "parse_store_url",
    "store_encrypts",
]
