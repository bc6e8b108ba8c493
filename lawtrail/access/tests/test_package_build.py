"""第二十条: an approved copy is a package the court can verify offline; building one is a
ledger event; bad requests write nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lawtrail.access import package_manifest as pm
from lawtrail.access.packages import Recipient, build_package
from lawtrail.access.tests.package_fixtures import (  # noqa: F401
    RECIPIENT,
    Case,
    build,
    case_fixture,
    run_verifier,
    signing_key_fixture,
)
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media, sha256_of  # noqa: F401
from lawtrail.ledger.models import Event


def manifest_of(package: Path) -> dict[str, Any]:
    with zipfile.ZipFile(package) as zf:
        loaded: dict[str, Any] = json.loads(zf.read("manifest.json"))
    return loaded


def test_a_package_verifies_with_the_standalone_script_in_a_plain_python(
    case: Case, tmp_path: Path
) -> None:
    package = tmp_path / "copy.zip"
    result = build(case, package)

    verified = run_verifier(package)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip().splitlines()[-1].startswith("VERIFIED.")
    assert "FAIL" not in verified.stdout
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
    assert {"manifest.json", "README.txt", "verify_package.py", pm.CHECKPOINT, pm.KEY} <= names
    manifest = manifest_of(package)
    roles = {(f["evidence"], f["role"]) for f in manifest["files"]}
    assert roles == {
        (None, "readme"),
        (None, "verifier"),
        (case.video.pk, "working_copy"),
        (case.video.pk, "original"),
        (case.photo.pk, "working_copy"),
        (case.photo.pk, "original"),
    }
    originals = {f["evidence"]: f for f in manifest["files"] if f["role"] == "original"}
    assert originals[case.video.pk]["sha256"] == sha256_of(case.media.video)
    assert originals[case.video.pk]["ingest"]["sha256"] == case.video.sha256
    assert originals[case.video.pk]["ingest"]["sm3"] == case.video.sm3
    assert result.sha256 == sha256_of(package)


def test_the_verifier_accepts_a_key_from_the_agency_and_refuses_another(
    case: Case, tmp_path: Path
) -> None:
    package = tmp_path / "copy.zip"
    build(case, package)
    with zipfile.ZipFile(package) as zf:
        key = zf.read(pm.KEY)
    (tmp_path / "key.txt").write_bytes(key)
    assert run_verifier(package, "--key", str(tmp_path / "key.txt")).returncode == 0
    from lawtrail.ledger import note

    _signer, other = note.generate_key("lawtrail.local/log")
    (tmp_path / "other.txt").write_text(other + "\n")
    refused = run_verifier(package, "--key", str(tmp_path / "other.txt"))
    assert refused.returncode == 1
    assert "VERIFICATION FAILED" in refused.stdout


def test_the_working_copies_are_watermarked_for_the_recipient(case: Case, tmp_path: Path) -> None:
    package = tmp_path / "copy.zip"
    build(case, package)

    for entry in manifest_of(package)["files"]:
        if entry["role"] != "working_copy":
            continue
        text = "\n".join(entry["watermark"])
        assert RECIPIENT.name in text and RECIPIENT.organisation in text
        assert RECIPIENT.request_number in text and "制作 " in text
        assert case.matter.number in text  # the matter's facts too (第十九条)
        assert entry["source_sha256"] in (case.video.sha256, case.photo.sha256)
    video = next(
        f
        for f in manifest_of(package)["files"]
        if f["role"] == "working_copy" and f["path"].endswith(".mp4")
    )
    assert "drawtext" in " ".join(video["parameters"]["argv"])


def test_building_writes_a_package_built_event_listing_every_file(
    case: Case, tmp_path: Path
) -> None:
    package = tmp_path / "copy.zip"
    result = build(case, package)

    event = Event.objects.get(action="package.built")
    assert event.seq == result.event_seq
    assert event.actor == case.province.officer_a.user.get_username()
    assert event.context == case.matter.context
    payload = json.loads(bytes(event.body))["payload"]
    manifest = manifest_of(package)
    assert payload["package"] == manifest["package"] == result.package_id
    assert payload["manifest_sha256"] == pm.core_sha256(manifest)
    assert payload["recipient"]["request_number"] == RECIPIENT.request_number
    assert [f["sha256"] for f in payload["files"]] == [f["sha256"] for f in manifest["files"]]
    with zipfile.ZipFile(package) as zf:
        assert any(n.endswith("-package.built.json") for n in zf.namelist())
        assert any(n.endswith("-evidence.stored.json") for n in zf.namelist())
        assert any(n.endswith("-evidence.acquired.json") for n in zf.namelist())
        assert any(n.endswith("-evidence.bound.json") for n in zf.namelist())


def test_without_originals_only_working_copies_are_packaged(case: Case, tmp_path: Path) -> None:
    package = tmp_path / "copy.zip"
    build(case, package, originals=False)

    roles = {f["role"] for f in manifest_of(package)["files"]}
    assert roles == {"working_copy", "readme", "verifier"}
    assert run_verifier(package).returncode == 0


def nothing_written(tmp_path: Path, before: int) -> None:
    assert Event.objects.count() == before
    assert [p.name for p in tmp_path.iterdir() if "copy" in p.name] == []


@pytest.mark.parametrize(
    ("ids", "error"),
    [([], Invalid), ([999999], NotFound), (["1"], Invalid)],
)
def test_bad_evidence_lists_are_refused_and_nothing_is_written(
    case: Case, tmp_path: Path, ids: list[Any], error: type[Exception]
) -> None:
    before = Event.objects.count()
    with pytest.raises(error):
        build_package(case.province.officer_a.user, ids, RECIPIENT, True, tmp_path / "copy.zip")
    nothing_written(tmp_path, before)


def test_evidence_the_caller_may_not_see_is_not_found_and_nothing_is_written(
    case: Case, tmp_path: Path
) -> None:
    before = Event.objects.count()
    with pytest.raises(NotFound):
        build_package(
            case.province.officer_b.user, [case.video.pk], RECIPIENT, True, tmp_path / "copy.zip"
        )
    nothing_written(tmp_path, before)


def test_the_callers_permission_check_decides(case: Case, tmp_path: Path) -> None:
    """The access app passes its grant check as ``may_copy``."""
    before = Event.objects.count()
    with pytest.raises(Forbidden) as refused:
        build_package(
            case.province.officer_a.user,
            [case.video.pk, case.photo.pk],
            RECIPIENT,
            True,
            tmp_path / "copy.zip",
            may_copy=lambda user, evidence: evidence.pk != case.photo.pk,
        )
    assert str(case.photo.pk) in refused.value.message
    nothing_written(tmp_path, before)


@pytest.mark.parametrize(
    "recipient",
    [Recipient("", "法院", "1"), Recipient("李法官", "法院", " ")],
)
def test_a_recipient_without_name_or_request_is_refused(
    case: Case, tmp_path: Path, recipient: Recipient
) -> None:
    before = Event.objects.count()
    with pytest.raises(Invalid):
        build_package(
            case.province.officer_a.user, [case.video.pk], recipient, True, tmp_path / "copy.zip"
        )
    nothing_written(tmp_path, before)


def test_an_existing_file_is_never_overwritten(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "copy.zip"
    out.write_bytes(b"keep")
    with pytest.raises(Invalid):
        build(case, out)
    assert out.read_bytes() == b"keep"


def test_unreadable_media_can_only_be_copied_as_its_original(case: Case, tmp_path: Path) -> None:
    user = case.province.officer_a.user
    broken = ingest(user, case.media.broken, matter=case.matter.number).evidence
    assert not broken.readable
    with pytest.raises(Invalid):
        build_package(user, [broken.pk], RECIPIENT, False, tmp_path / "copy.zip")

    build_package(user, [broken.pk], RECIPIENT, True, tmp_path / "copy.zip")

    roles = {f["role"] for f in manifest_of(tmp_path / "copy.zip")["files"]}
    assert roles == {"original", "readme", "verifier"}
    assert run_verifier(tmp_path / "copy.zip").returncode == 0
