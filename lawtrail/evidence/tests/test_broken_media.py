"""A broken or unknown file is still evidence: it is kept byte for byte and flagged as
unreadable media; nothing is silently dropped (第十九条, issue 4 §2)."""

from __future__ import annotations

from lawtrail.evidence.tests.fixtures import ingest, sha256_of, store
from lawtrail.evidence.tests.media import Media
from lawtrail.testing import Province


def test_random_bytes_named_mp4_are_kept_and_flagged_unreadable(
    province: Province, media: Media
) -> None:
    evidence = ingest(province.officer_a.user, media.broken).evidence
    assert (evidence.kind, evidence.readable) == ("other", False)
    assert evidence.sha256 == sha256_of(media.broken)
    assert evidence.media["problem"]
    with store().open(evidence.sha256) as kept:  # type: ignore[attr-defined]
        assert kept.read() == media.broken.read_bytes()


def test_a_zero_byte_file_is_kept_and_flagged_empty(province: Province, media: Media) -> None:
    evidence = ingest(province.officer_a.user, media.empty).evidence
    assert (evidence.size, evidence.kind, evidence.readable) == (0, "other", False)
    assert evidence.media == {"problem": "empty file"}
    assert evidence.sha256 == sha256_of(media.empty)
    assert store().exists(evidence.sha256)
