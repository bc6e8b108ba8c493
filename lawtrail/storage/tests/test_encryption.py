"""Encryption at rest (issue 6 §4): the same behaviour on both stores, with ciphertext stored.

Each test runs on the local store and on S3 (SeaweedFS), both with a master key. The digests
and names stay those of the plaintext; what is stored is the segmented AES-256-GCM format of
lawtrail/storage/crypto.py, and anything done to it behind the store's back is detected.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest

from lawtrail.storage.base import BlobStore
from lawtrail.storage.crypto import HEADER_SIZE, MAGIC, SEGMENT_SIZE, TAG_SIZE, CiphertextError
from lawtrail.storage.kms import KeyRing, MasterKey, MasterKeyError
from lawtrail.storage.local import LocalStore
from lawtrail.storage.tests.conftest import make_s3_store, reference
from lawtrail.storage.tests.test_round_trip import read_all

SEALED = SEGMENT_SIZE + TAG_SIZE
MARKER = "PLAINTEXT-MARKER-商业秘密-0123456789".encode()


def new_ring(*keys: MasterKey) -> KeyRing:
    return KeyRing(list(keys) or [MasterKey(secrets.token_bytes(32))])


@pytest.fixture
def ring() -> KeyRing:
    return new_ring()


def twin(store: BlobStore, kms: KeyRing | None) -> BlobStore:
    """The same storage location seen with another key ring (or none)."""
    if isinstance(store, LocalStore):
        return LocalStore(store.root, kms=kms)
    other = make_s3_store(
        store._seaweed,  # type: ignore[attr-defined]
        store.spool_dir,  # type: ignore[attr-defined]
        prefix=store.prefix,  # type: ignore[attr-defined]
        kms=kms,
    )
    other.ensure_bucket()
    return other  # type: ignore[no-any-return]


@pytest.fixture(params=["local", "s3"])
def enc(request: pytest.FixtureRequest, tmp_path: Path, ring: KeyRing) -> BlobStore:
    """A store that encrypts with ``ring``."""
    if request.param == "local":
        return LocalStore(tmp_path / "store", kms=ring)
    server = request.getfixturevalue("seaweed")
    s3 = make_s3_store(server, tmp_path / "spool", kms=ring)
    s3.ensure_bucket()
    s3._seaweed = server
    return s3  # type: ignore[no-any-return]


def stored_bytes(store: BlobStore, sha256: str, request: pytest.FixtureRequest) -> bytes:
    """The bytes as they lie on the disk or in the bucket."""
    if isinstance(store, LocalStore):
        return store.path(sha256).read_bytes()
    raw = request.getfixturevalue("raw_s3")
    key = store.key(sha256)  # type: ignore[attr-defined]
    return bytes(raw.get_object(Bucket=store.bucket, Key=key)["Body"].read())  # type: ignore[attr-defined]


def replace_stored(
    store: BlobStore, sha256: str, data: bytes, request: pytest.FixtureRequest
) -> None:
    """What someone with a shell or the bucket's keys could do (metadata kept)."""
    if isinstance(store, LocalStore):
        path = store.path(sha256)
        path.chmod(0o644)
        path.write_bytes(data)
        path.chmod(0o444)
        return
    raw = request.getfixturevalue("raw_s3")
    key = store.key(sha256)  # type: ignore[attr-defined]
    bucket = store.bucket  # type: ignore[attr-defined]
    meta = raw.head_object(Bucket=bucket, Key=key)["Metadata"]
    raw.put_object(Bucket=bucket, Key=key, Body=data, Metadata=meta)


SIZES = [0, 3, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 7]


@pytest.mark.parametrize("size", SIZES, ids=[str(s) for s in SIZES])
def test_it_round_trips_with_the_plaintexts_digests(
    enc: BlobStore, request: pytest.FixtureRequest, size: int
) -> None:
    data = os.urandom(size)
    blob = enc.put_stream(io.BytesIO(data))
    assert (blob.sha256, blob.sm3, blob.size) == reference(data)
    assert enc.size(blob.sha256) == size
    assert read_all(enc, blob.sha256) == data
    assert b"".join(enc.read_range(blob.sha256, 0, size + 10)) == data
    check = enc.verify(blob.sha256, expected_sm3=blob.sm3)
    assert check.ok and check.actual is not None
    assert (check.actual.sha256, check.actual.sm3, check.actual.size) == reference(data)
    assert list(enc.iter_keys()) == [blob.sha256]
    stored = stored_bytes(enc, blob.sha256, request)
    assert stored.startswith(MAGIC)
    segments = max(1, -(-size // SEGMENT_SIZE))
    assert len(stored) == HEADER_SIZE + size + segments * TAG_SIZE
    assert enc.describe()["encrypts"] is True


def test_a_regular_file_round_trips(enc: BlobStore, tmp_path: Path) -> None:
    """The S3 store hashes a plain file in place; with a key it must spool the ciphertext."""
    data = os.urandom((17 << 20) + 5)  # more than one S3 part
    path = tmp_path / "camera.mp4"
    path.write_bytes(data)
    with path.open("rb") as f:
        blob = enc.put_stream(f, expected_size=len(data))
    assert (blob.sha256, blob.sm3, blob.size) == reference(data)
    assert read_all(enc, blob.sha256) == data
    assert enc.verify(blob.sha256).ok


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 1),
        (SEGMENT_SIZE - 1, SEGMENT_SIZE + 1),  # across the first boundary
        (SEGMENT_SIZE, SEGMENT_SIZE + 1),  # the first byte of segment 1
        (1000, 2 * SEGMENT_SIZE + 3),  # three segments
        (2 * SEGMENT_SIZE - 3, 3 * SEGMENT_SIZE + 7),  # into the short last segment
        (3 * SEGMENT_SIZE + 6, 3 * SEGMENT_SIZE + 7),  # the last byte
        (3 * SEGMENT_SIZE + 7, 3 * SEGMENT_SIZE + 7),  # empty, at the end
        (3 * SEGMENT_SIZE, 10 * SEGMENT_SIZE),  # clamped
        (20 * SEGMENT_SIZE, 30 * SEGMENT_SIZE),  # all past the end
    ],
)
def test_ranges_decrypt_only_what_they_touch(enc: BlobStore, start: int, end: int) -> None:
    data = os.urandom(3 * SEGMENT_SIZE + 7)
    blob = enc.put_stream(data)
    got = list(enc.read_range(blob.sha256, start, end))
    assert b"".join(got) == data[start:end]
    assert all(got) and all(len(c) <= SEGMENT_SIZE for c in got)


def test_a_range_does_not_read_the_whole_object(tmp_path: Path, ring: KeyRing) -> None:
    store = LocalStore(tmp_path / "store", kms=ring)
    data = os.urandom(8 * SEGMENT_SIZE)
    blob = store.put_stream(data)
    # Damage segment 0: a range in segment 5 never touches it, a range in segment 0 does.
    path = store.path(blob.sha256)
    path.chmod(0o644)
    with path.open("r+b") as f:
        f.seek(HEADER_SIZE + 10)
        f.write(b"\xff\xfe")
    start = 5 * SEGMENT_SIZE + 17
    assert b"".join(store.read_range(blob.sha256, start, start + 100)) == data[start : start + 100]
    with pytest.raises(CiphertextError, match="segment 0"):
        list(store.read_range(blob.sha256, 0, 10))


def test_the_plaintext_is_never_stored(
    enc: BlobStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    data = MARKER * 100_000  # ~3.6 MB, several segments of nothing but the marker
    blob = enc.put_stream([data])
    stored = stored_bytes(enc, blob.sha256, request)
    assert MARKER not in stored and MARKER[:16] not in stored
    on_disk = [p for p in tmp_path.rglob("*") if p.is_file()]
    for path in on_disk:
        assert MARKER[:16] not in path.read_bytes(), path
    assert read_all(enc, blob.sha256) == data


@pytest.mark.parametrize(
    "where",
    ["segment-0", "segment-2", "last-tag", "header-wrapped-key", "header-nonce"],
)
def test_an_altered_byte_is_found(
    enc: BlobStore, request: pytest.FixtureRequest, where: str
) -> None:
    data = os.urandom(3 * SEGMENT_SIZE + 7)
    blob = enc.put_stream(data)
    stored = bytearray(stored_bytes(enc, blob.sha256, request))
    offset = {
        "segment-0": HEADER_SIZE + 5,
        "segment-2": HEADER_SIZE + 2 * SEALED + 100,
        "last-tag": len(stored) - 1,
        "header-wrapped-key": HEADER_SIZE - 3,
        "header-nonce": HEADER_SIZE - 41,
    }[where]
    stored[offset] ^= 0x01
    replace_stored(enc, blob.sha256, bytes(stored), request)
    check = enc.verify(blob.sha256)
    assert not check.ok and check.problem == "changed", check
    assert "altered" in check.detail
    with pytest.raises(CiphertextError):
        read_all(enc, blob.sha256)


@pytest.mark.parametrize(
    "cut", ["last-segment", "at-a-boundary", "inside-a-tag", "to-the-header", "inside-header"]
)
def test_a_truncated_object_is_found(
    enc: BlobStore, request: pytest.FixtureRequest, cut: str
) -> None:
    data = os.urandom(3 * SEGMENT_SIZE)  # three full segments: no short last one to give it away
    blob = enc.put_stream(data)
    stored = stored_bytes(enc, blob.sha256, request)
    keep = {
        "last-segment": HEADER_SIZE + 2 * SEALED,  # drops segment 2 entirely
        "at-a-boundary": HEADER_SIZE + SEALED,
        "inside-a-tag": len(stored) - 5,
        "to-the-header": HEADER_SIZE,
        "inside-header": 20,
    }[cut]
    replace_stored(enc, blob.sha256, stored[:keep], request)
    check = enc.verify(blob.sha256)
    assert not check.ok and check.problem == "changed", check
    with pytest.raises(CiphertextError):
        read_all(enc, blob.sha256)


def test_reordered_segments_are_found(enc: BlobStore, request: pytest.FixtureRequest) -> None:
    data = os.urandom(3 * SEGMENT_SIZE)
    blob = enc.put_stream(data)
    stored = stored_bytes(enc, blob.sha256, request)
    head, body = stored[:HEADER_SIZE], stored[HEADER_SIZE:]
    segs = [body[i : i + SEALED] for i in range(0, len(body), SEALED)]
    swapped = head + segs[1] + segs[0] + segs[2]
    replace_stored(enc, blob.sha256, swapped, request)
    assert enc.verify(blob.sha256).problem == "changed"


def test_the_wrong_master_key_is_a_clear_error(enc: BlobStore, ring: KeyRing) -> None:
    blob = enc.put_stream(os.urandom(SEGMENT_SIZE + 3))
    wrong = twin(enc, new_ring())
    with pytest.raises(MasterKeyError, match=ring.current_id.hex()):
        wrong.open(blob.sha256)
    with pytest.raises(MasterKeyError, match="not configured"):
        wrong.read_range(blob.sha256, 0, 10)  # at the call, before the first byte
    check = wrong.verify(blob.sha256)
    assert not check.ok and check.problem == "key" and ring.current_id.hex() in check.detail
    with pytest.raises(MasterKeyError, match="no master key is configured"):
        twin(enc, None).open(blob.sha256)


def test_an_object_stored_before_encryption_stays_readable(enc: BlobStore, ring: KeyRing) -> None:
    plain = twin(enc, None)
    old = os.urandom(2 * SEGMENT_SIZE + 11)
    before = plain.put_stream(old)
    assert before.created
    assert enc.size(before.sha256) == len(old)
    assert read_all(enc, before.sha256) == old
    assert (
        b"".join(enc.read_range(before.sha256, SEGMENT_SIZE - 2, SEGMENT_SIZE + 2))
        == (old[SEGMENT_SIZE - 2 : SEGMENT_SIZE + 2])
    )
    assert enc.verify(before.sha256, expected_sm3=before.sm3).ok
    # The same content again: already stored (plain), nothing written.
    assert not enc.put_stream(old).created
    # New content is encrypted; both are listed.
    after = enc.put_stream(b"new evidence")
    assert sorted(enc.iter_keys()) == sorted([before.sha256, after.sha256])


def test_identical_content_is_stored_once_and_damage_is_repaired(
    enc: BlobStore, request: pytest.FixtureRequest
) -> None:
    data = os.urandom(SEGMENT_SIZE + 99)
    blob = enc.put_stream(data)
    assert not enc.put_stream(data).created
    stored = bytearray(stored_bytes(enc, blob.sha256, request))
    stored[HEADER_SIZE + 1] ^= 0x80
    replace_stored(enc, blob.sha256, bytes(stored), request)
    again = enc.put_stream(data)
    assert again.created
    assert enc.verify(blob.sha256).ok
    if isinstance(enc, LocalStore):
        assert len(list(enc.quarantine.iterdir())) == 1


def test_a_rotated_key_ring_reads_old_objects_and_writes_with_the_new_key(
    tmp_path: Path,
) -> None:
    old_key, new_key = MasterKey(secrets.token_bytes(32)), MasterKey(secrets.token_bytes(32))
    first = LocalStore(tmp_path / "store", kms=KeyRing([old_key]))
    blob = first.put_stream(b"written under the old key")
    rotated = LocalStore(tmp_path / "store", kms=KeyRing([new_key, old_key]))
    assert read_all(rotated, blob.sha256) == b"written under the old key"
    fresh = rotated.put_stream(b"written under the new key")
    header = rotated.path(fresh.sha256).read_bytes()[:HEADER_SIZE]
    assert new_key.key_id in header and old_key.key_id not in header
    with pytest.raises(MasterKeyError):
        read_all(LocalStore(tmp_path / "store", kms=KeyRing([old_key])), fresh.sha256)


def test_local_blobs_stay_read_only(tmp_path: Path, ring: KeyRing) -> None:
    store = LocalStore(tmp_path / "store", kms=ring)
    blob = store.put_stream(b"x" * 1000)
    assert stat.S_IMODE(store.path(blob.sha256).stat().st_mode) == 0o444
    assert list((tmp_path / "store" / ".incoming").iterdir()) == []


def test_a_declared_digest_that_differs_stores_nothing(enc: BlobStore) -> None:
    from lawtrail.storage.errors import ContentMismatch

    with pytest.raises(ContentMismatch):
        enc.put_stream(b"evidence", expected_sha256="0" * 64)
    assert list(enc.iter_keys()) == []


def test_sm4_gcm_segments_round_trip(ring: KeyRing) -> None:
    """SM4-GCM: the cryptography package (OpenSSL 3+) offers it through ``Cipher``; the format
    reserves algorithm 2 for it. Written here directly, read back by the common reader."""
    from lawtrail.storage.crypto import SM4_GCM, Encryptor, Layout, decrypt_segments, open_plain

    out = io.BytesIO()
    encryptor = Encryptor(ring, out.write, algorithm=SM4_GCM)
    data = os.urandom(2 * SEGMENT_SIZE + 5)
    encryptor.start()
    encryptor(memoryview(data))
    encryptor.finish()
    stored = out.getvalue()
    reader, header = open_plain(io.BytesIO(stored), ring)
    assert header is not None and header.algorithm == SM4_GCM
    assert reader.read() == data
    layout = Layout.of(header, len(stored))
    first, begin, _stop = layout.span(SEGMENT_SIZE + 1, SEGMENT_SIZE + 9)
    raw = io.BytesIO(stored)
    raw.seek(begin)
    got = b"".join(decrypt_segments(raw, layout, ring, first, SEGMENT_SIZE + 1, SEGMENT_SIZE + 9))
    assert got == data[SEGMENT_SIZE + 1 : SEGMENT_SIZE + 9]
    damaged = bytearray(stored)
    damaged[HEADER_SIZE + 3] ^= 1
    with pytest.raises(CiphertextError):
        open_plain(io.BytesIO(bytes(damaged)), ring)[0].read()


def test_the_s3_metadata_names_the_plaintext(s3_store: Any, raw_s3: Any, ring: KeyRing) -> None:
    s3_store.kms = ring
    data = os.urandom(1000)
    blob = s3_store.put_stream(data)
    head = raw_s3.head_object(Bucket=s3_store.bucket, Key=blob.key)
    sha, sm3, size = reference(data)
    assert head["Metadata"] == {
        "sha256": sha,
        "sm3": sm3,
        "size": str(size),
        "encryption": "lawtrail-1",
    }
    assert head["ContentLength"] == HEADER_SIZE + size + TAG_SIZE


def test_a_plain_store_refuses_bytes_that_look_encrypted(
    enc: BlobStore, request: pytest.FixtureRequest
) -> None:
    """Without a key, a copy of an encrypted object would be read back as encrypted: refused.
    With a key it is encrypted once more and comes back as it went in."""
    from lawtrail.storage.errors import StoreError

    blob = enc.put_stream(b"some evidence")
    lookalike = stored_bytes(enc, blob.sha256, request)
    with pytest.raises(StoreError, match="starts like a lawtrail encrypted object"):
        twin(enc, None).put_stream(lookalike)
    again = enc.put_stream(lookalike)
    assert read_all(enc, again.sha256) == lookalike


def test_readers_are_context_managers(enc: BlobStore) -> None:
    blob = enc.put_stream(b"evidence")
    with enc.open(blob.sha256) as reader:  # type: ignore[attr-defined]
        assert reader.read() == b"evidence"
    old = twin(enc, None).put_stream(b"plain evidence")
    with enc.open(old.sha256) as reader:  # type: ignore[attr-defined]
        assert reader.read(5) == b"plain" and reader.read() == b" evidence"
