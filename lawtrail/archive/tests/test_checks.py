"""四性检测 (DA/T 70-2018) of archive packages (第十八条): each damage is found and named."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from lawtrail.archive.checks import (
    CHECKED,
    CheckResult,
    NotABag,
    check_folder,
    latest_checks,
    run_checks,
)
from lawtrail.archive.models import PackageCheck
from lawtrail.archive.tests.check_fixtures import Built, archive_home, build  # noqa: F401
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.storage import default_store
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(province: Province, media: Media, archive_home: Path) -> Built:  # noqa: F811
    return build(province, media)


def by_property(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {str(r.property): r for r in results}


def failures(results: list[CheckResult], prop: str) -> str:
    return " | ".join(f"{i['item']}: {i['detail']}" for i in by_property(results)[prop].failed)


def only_failing(results: list[CheckResult]) -> set[str]:
    return {str(r.property) for r in results if not r.passed}


def test_a_valid_bag_passes_all_four_DA_T_70(built: Built) -> None:
    results = check_folder(built.path)
    assert [str(r.property) for r in results] == [
        "authenticity",
        "integrity",
        "usability",
        "security",
    ]
    for result in results:
        assert result.passed, (result.property, result.failed)


def test_run_checks_records_four_rows_and_four_events_in_the_matters_context(
    built: Built,
) -> None:
    rows = run_checks(built.package, "manual")
    assert len(rows) == 4 and all(r.passed for r in rows), [r.items for r in rows]
    assert PackageCheck.objects.filter(package=built.package, occasion="manual").count() == 4
    found = Event.objects.filter(action=CHECKED, context=built.matter.context)
    assert found.count() == 4
    payload = json.loads(bytes(found.first().body))["payload"]  # type: ignore[union-attr]
    assert payload["archive_number"] == built.package.archive_number
    assert payload["passed"] is True and payload["failed"] == []
    assert set(latest_checks(built.package)) == {p.value for p in PackageCheck.Property}


def test_a_flipped_bit_in_a_payload_file_is_named_under_integrity(built: Built) -> None:
    target = built.path / "data" / "originals" / f"{built.photo.sha256}.jpg"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    target.write_bytes(bytes(raw))
    rows = run_checks(built.package, "periodic")
    integrity = next(r for r in rows if r.property == "integrity")
    assert not integrity.passed
    assert f"data/originals/{built.photo.sha256}.jpg" in json.dumps(integrity.items)
    event = Event.objects.filter(action=CHECKED).order_by("seq")[1]
    payload = json.loads(bytes(event.body))["payload"]
    assert payload["property"] == "integrity" and payload["passed"] is False
    assert any(built.photo.sha256 in f["detail"] for f in payload["failed"])


def test_an_edited_tag_manifest_breaks_the_signature_under_authenticity(built: Built) -> None:
    tagmanifest = built.path / "tagmanifest-sha256.txt"
    lines = tagmanifest.read_text().splitlines(keepends=True)
    tagmanifest.write_text("".join(reversed(lines)))  # every entry still right, bytes changed
    results = check_folder(built.path)
    assert "authenticity" in only_failing(results)
    text = failures(results, "authenticity")
    assert "signature.txt" in text and "tagmanifest-sha256.txt" in text


def test_a_signature_by_another_key_is_refused(built: Built) -> None:
    from lawtrail.ledger import note

    forger = note.Signer.from_key(note.generate_key("lawtrail-forger")[0])
    text = (built.path / "signature.txt").read_text().split("\n\n")[0] + "\n"
    (built.path / "signature.txt").write_text(note.sign_note(text, [forger]))
    assert "signature.txt" in failures(check_folder(built.path), "authenticity")


def test_a_removed_record_pdf_is_named(built: Built) -> None:
    (built.path / "data" / "records" / "001-inquiry.pdf").unlink()
    results = check_folder(built.path)
    text = failures(results, "integrity")
    assert "data/records/001-*.pdf" in text  # the catalogue's record, named
    assert "data/records/001-inquiry.pdf" in text  # bagit's own finding, named


def test_an_extra_payload_file_is_named(built: Built) -> None:
    (built.path / "data" / "notes.txt").write_text("补充")
    text = failures(check_folder(built.path), "integrity")
    assert "data/notes.txt" in text


def test_an_extra_tag_file_is_named_under_security(built: Built) -> None:
    (built.path / "readme.txt").write_text("x")
    assert "readme.txt" in failures(check_folder(built.path), "security")


def test_a_symlink_is_named_and_not_followed(built: Built, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, built.path / "data" / "link.txt")
    results = check_folder(built.path)
    assert "data/link.txt" in failures(results, "security")


def test_a_world_writable_file_is_named(built: Built) -> None:
    target = built.path / "data" / "metadata.json"
    target.chmod(0o666)
    results = check_folder(built.path)
    assert only_failing(results) == {"security"}
    assert "data/metadata.json" in failures(results, "security")


def test_an_executable_bit_is_named(built: Built) -> None:
    target = built.path / "data" / "case-file.pdf"
    target.chmod(0o755)
    results = check_folder(built.path)
    assert only_failing(results) == {"security"}
    assert "data/case-file.pdf" in failures(results, "security")


def test_a_referenced_original_missing_from_the_store_is_named(built: Built, settings: Any) -> None:
    blob = default_store().path(built.video.sha256)  # type: ignore[attr-defined]
    blob.chmod(0o600)
    blob.unlink()
    results = check_folder(built.path, deep=False)
    text = failures(results, "integrity")
    assert built.video.sha256 in text and "data/references.json" in text


def test_a_changed_referenced_original_is_found_only_by_the_deep_check(built: Built) -> None:
    blob = default_store().path(built.video.sha256)  # type: ignore[attr-defined]
    blob.chmod(0o600)
    raw = bytearray(blob.read_bytes())
    raw[-10] ^= 0x01
    blob.write_bytes(bytes(raw))
    assert by_property(check_folder(built.path, deep=False))["integrity"].passed
    text = failures(check_folder(built.path, deep=True), "integrity")
    assert built.video.sha256 in text


def test_a_broken_pdf_fails_usability(built: Built) -> None:
    target = built.path / "data" / "case-file.pdf"
    target.write_bytes(target.read_bytes()[:200])
    results = check_folder(built.path)
    assert "data/case-file.pdf" in failures(results, "usability")


def test_a_moved_package_row_is_not_under_the_archive_folder(
    built: Built, settings: Any, tmp_path: Path
) -> None:
    settings.LAWTRAIL_ARCHIVE_DIR = tmp_path / "elsewhere"
    (tmp_path / "elsewhere").mkdir()
    os.symlink(built.path.parent.parent, tmp_path / "elsewhere" / "x")
    built.package.path = "x/" + built.package.path  # not saved: rows are append-only
    rows = run_checks(built.package, "manual")
    security = next(r for r in rows if r.property == "security")
    named = json.dumps(security.items, ensure_ascii=False)
    assert not security.passed and str(settings.LAWTRAIL_ARCHIVE_DIR) in named


def test_a_folder_that_is_no_bag_is_bad_input(tmp_path: Path, db: Any) -> None:
    with pytest.raises(NotABag):
        check_folder(tmp_path)


# ------------------------------------------------ packages made by actions.archive_matter


def test_a_package_made_by_archive_matter_passes_all_four_at_creation(
    province: Province,
    media: Media,
    archive_home: Path,  # noqa: F811
) -> None:
    from lawtrail.archive.actions import archive_matter
    from lawtrail.archive.tests.archive_fixtures import custodian, walk

    walked = walk(province, media)
    package = archive_matter(custodian(province).user, walked.matter)
    created = PackageCheck.objects.filter(package=package, occasion="creation")
    assert created.count() == 4
    assert all(c.passed for c in created), [c.items for c in created if not c.passed]
    results = check_folder(Path(archive_home / "archive" / package.path), deep=True)
    assert all(r.passed for r in results), [r.failed for r in results]
    # 第十八条 / DA/T 70 完整性: damage to the real bag is found and named too
    folder = archive_home / "archive" / package.path
    record = sorted((folder / "data" / "records").iterdir())[0]
    record.unlink()
    rows = run_checks(package, "periodic")
    integrity = next(r for r in rows if r.property == "integrity")
    assert not integrity.passed and record.name in json.dumps(integrity.items)
