"""``lawtrail verify`` on an encrypted store (issue 6 §4): it re-hashes the plaintext through
decryption, and ciphertext altered behind the store's back is reported as changed."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from lawtrail.cli import main
from lawtrail.evidence.tests.fixtures import ingest, sha256_of, store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.storage import default_store, store_encrypts
from lawtrail.storage.crypto import HEADER_SIZE, MAGIC
from lawtrail.storage.kms import configured_keyring
from lawtrail.testing import Province


def key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(autouse=True)
def master_key(monkeypatch: pytest.MonkeyPatch, evidence_home: Path) -> Iterator[str]:
    value = key()
    monkeypatch.setenv("LAWTRAIL_MASTER_KEY", value)
    configured_keyring.cache_clear()
    default_store.cache_clear()
    yield value
    configured_keyring.cache_clear()
    default_store.cache_clear()


@pytest.fixture(autouse=True)
def signing_key(settings: Any, evidence_home: Path) -> None:
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def stored(province: Province, media: Media) -> dict[str, Any]:
    video = ingest(province.officer_a.user, media.video).evidence
    photo = ingest(province.officer_a.user, media.photo).evidence
    return {"video": video, "photo": photo}


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(["verify", "--json"])
    out, _err = capsys.readouterr()
    return status, json.loads(out)


def test_evidence_is_stored_encrypted_and_verifies(
    stored: dict[str, Any], media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    assert store_encrypts()
    video = stored["video"]
    assert video.sha256 == sha256_of(media.video)
    on_disk = store().path(video.sha256).read_bytes()
    assert on_disk.startswith(MAGIC)
    assert media.video.read_bytes()[:64] not in on_disk
    status, report = verify(capsys)
    assert status == 0, report
    assert report["store"]["ok"] is True
    assert report["store"]["store"]["encrypts"] is True
    assert report["store"]["bytes"] == video.size + stored["photo"].size


def test_altered_ciphertext_is_reported_as_changed(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    video = stored["video"]
    path = store().path(video.sha256)
    os.chmod(path, 0o644)
    with path.open("r+b") as f:
        f.seek(HEADER_SIZE + 100)
        byte = f.read(1)
        f.seek(HEADER_SIZE + 100)
        f.write(bytes([byte[0] ^ 0x01]))
    status, report = verify(capsys)
    assert status == 1
    [problem] = report["store"]["problems"]
    assert (problem["kind"], problem["sha256"], problem["evidence"]) == (
        "changed",
        video.sha256,
        [video.pk],
    )
    assert "fails authentication" in problem["detail"]
    assert report["store"]["changed"] == 1


def test_a_wrong_master_key_makes_objects_unreadable_not_changed(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAWTRAIL_MASTER_KEY", key())
    configured_keyring.cache_clear()
    default_store.cache_clear()
    status, report = verify(capsys)
    assert status == 1
    kinds = sorted(p["kind"] for p in report["store"]["problems"])
    assert kinds == ["key", "key"]
    assert report["store"]["unreadable"] == 2
    assert "not configured" in report["store"]["problems"][0]["detail"]


def test_evidence_stored_before_the_key_still_verifies(
    province: Province,
    media: Media,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("LAWTRAIL_MASTER_KEY")
    configured_keyring.cache_clear()
    default_store.cache_clear()
    assert not store_encrypts()
    old = ingest(province.officer_a.user, media.photo).evidence
    assert store().path(old.sha256).read_bytes() == media.photo.read_bytes()
    monkeypatch.setenv("LAWTRAIL_MASTER_KEY", key())
    configured_keyring.cache_clear()
    default_store.cache_clear()
    new = ingest(province.officer_a.user, media.video).evidence
    assert store().path(new.sha256).read_bytes().startswith(MAGIC)
    status, report = verify(capsys)
    assert status == 0, report
    assert report["store"]["originals"] == 2
