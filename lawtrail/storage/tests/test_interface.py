"""Nothing is ever deleted: no store offers a way to (issue 4 §6)."""

from __future__ import annotations

import inspect

import pytest

from lawtrail.storage.base import BlobStore
from lawtrail.storage.local import LocalStore

FORBIDDEN = ("delete", "remove", "unlink", "purge", "erase", "overwrite", "replace", "rmtree")


def store_classes() -> list[type[BlobStore]]:
    from lawtrail.storage.s3 import S3Store

    return [BlobStore, LocalStore, S3Store]


@pytest.mark.parametrize("cls", store_classes(), ids=lambda c: c.__name__)
def test_no_public_method_deletes_or_rewrites(cls: type[BlobStore]) -> None:
    public = [name for name in dir(cls) if not name.startswith("_")]
    offending = [n for n in public if any(word in n.lower() for word in FORBIDDEN)]
    assert offending == []


def test_the_interface_is_what_callers_rely_on() -> None:
    methods = {
        name
        for name, member in inspect.getmembers(BlobStore)
        if not name.startswith("_") and callable(member)
    }
    assert methods == {
        "put_stream",
        "open",
        "read_range",
        "exists",
        "size",
        "verify",
        "iter_keys",
        "cleanup_temp",
        "copy_to",
        "describe",
    }


def test_the_store_code_never_calls_a_delete_api() -> None:
    """The S3 store may abort an unfinished upload, but never delete an object or bucket."""
    import lawtrail.storage.s3 as s3

    source = inspect.getsource(s3)
    for call in ("delete_object", "delete_objects", "delete_bucket", "put_bucket_lifecycle"):
        assert call not in source
