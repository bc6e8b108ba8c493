"""An interrupted upload resumes from what the server acknowledged (issue 4 §3, invariant 2):
the offset moves only over fsynced bytes, during a long body as well as at its end, and what
arrived before a connection broke is kept."""

from __future__ import annotations

import io
import time

import pytest

from lawtrail.evidence import uploads
from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import Tus
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


class Dropping(io.RawIOBase):
    """A request body that breaks off after ``good`` bytes, like a pulled network cable."""

    def __init__(self, data: bytes, good: int) -> None:
        self.data = data
        self.good = good
        self.pos = 0

    def read(self, size: int = -1) -> bytes:
        if self.pos >= self.good:
            raise OSError("connection reset by peer")
        chunk = self.data[self.pos : min(self.pos + size, self.good)]
        self.pos += len(chunk)
        return chunk


@pytest.fixture
def upload(province: Province) -> Upload:
    tus = Tus(api_client(province.officer_a))
    tus.start(100)
    return Upload.objects.get()


def test_the_bytes_before_a_broken_connection_are_kept(upload: Upload) -> None:
    data = bytes(range(100))
    with pytest.raises(OSError):
        uploads.receive(
            upload.created_by, upload, offset=0, stream=Dropping(data, 37), content_length=100
        )
    upload.refresh_from_db()
    assert upload.offset == 37 and upload.path.read_bytes() == data[:37]
    uploads.receive(
        upload.created_by, upload, offset=37, stream=io.BytesIO(data[37:]), content_length=63
    )
    upload.refresh_from_db()
    assert upload.state == Upload.State.COMPLETE and upload.path.read_bytes() == data


def test_with_a_checksum_a_broken_chunk_counts_for_nothing(upload: Upload) -> None:
    checksum = uploads.Checksum("sha256", b"\0" * 32)
    with pytest.raises(OSError):
        uploads.receive(
            upload.created_by,
            upload,
            offset=0,
            stream=Dropping(bytes(100), 37),
            content_length=100,
            checksum=checksum,
        )
    upload.refresh_from_db()
    assert upload.offset == 0


def test_the_offset_moves_during_a_long_body(
    upload: Upload, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server killed in the middle of a long PATCH loses only what came since the last
    checkpoint, not the whole body."""
    monkeypatch.setattr(uploads, "CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(uploads, "CHUNK", 10)
    seen: list[int] = []

    class Watching(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            time.sleep(0.02)  # a slow client: the writer thread syncs meanwhile
            seen.append(Upload.objects.get(pk=upload.pk).offset)
            return super().read(size)

    uploads.receive(
        upload.created_by, upload, offset=0, stream=Watching(bytes(100)), content_length=100
    )
    assert seen == sorted(seen)  # it only moves forward
    assert any(0 < offset < 100 for offset in seen)  # and it moved before the body ended
    assert Upload.objects.get(pk=upload.pk).state == Upload.State.COMPLETE


def test_a_second_writer_of_the_same_upload_is_told_to_wait(upload: Upload) -> None:
    import fcntl
    import os

    fd = os.open(upload.path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(uploads.Locked):
            uploads.receive(
                upload.created_by, upload, offset=0, stream=io.BytesIO(b"x"), content_length=1
            )
    finally:
        os.close(fd)
    assert Upload.objects.get(pk=upload.pk).offset == 0
