"""The case file (案卷, 第十八条): what keeps a matter from being archived, the records in their
legal order (第三条), the evidence and the ledger proofs; 保管期限 as data and the 档号 template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from lawtrail.archive import numbering
from lawtrail.archive.casefile import STAGE_OF, assemble, missing_for_archive
from lawtrail.archive.tests import archive_fixtures
from lawtrail.archive.tests.archive_fixtures import walk
from lawtrail.evidence.tests import fixtures as evidence_fixtures
from lawtrail.evidence.tests.fixtures import store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints, merkle, note
from lawtrail.ledger.models import Event
from lawtrail.matters import actions as matter_actions
from lawtrail.records.catalogue import all_types
from lawtrail.records.tests.helpers import advance, open_matter, write
from lawtrail.testing import Province

archive_home = archive_fixtures.archive_home
evidence_home = evidence_fixtures.evidence_home
media = evidence_fixtures.media
pytestmark = pytest.mark.django_db


def codes(matter: Any) -> set[str]:
    return {u.code for u in missing_for_archive(matter)}


def test_every_record_type_has_its_place_in_the_legal_order() -> None:
    """第三条: every catalogue type belongs to one of the five stages."""
    assert set(STAGE_OF) == {t.code for t in all_types()}


def test_a_complete_matter_lacks_nothing_and_its_file_is_in_legal_order(
    province: Province, media: Media, archive_home: Path
) -> None:
    walked = walk(province, media)
    assert missing_for_archive(walked.matter) == []
    case = assemble(walked.matter, archive_number="X-1")
    types = [walked.matter.records.get(pk=pk).record_type for pk in case.records]
    assert types == [
        "case_acceptance",
        "filing_report",
        "on_site_inspection",
        "inquiry",
        "statement_notice",
        "decision",
        "service_receipt",
        "service_receipt",
    ]
    assert [e.position for e in case.catalogue] == list(range(1, len(types) + 3))
    assert [e.record_id for e in case.catalogue[: len(types)]] == case.records
    assert case.catalogue[0].title == "案件受理记录"
    assert [e.title for e in case.catalogue[-2:]] == ["音像证据清单", "审计账本证明"]
    assert {e.evidence_id for e in case.evidence} == {walked.video.pk, walked.photo.pk}
    assert all(e.inline for e in case.evidence)
    assert case.retention == "30y" and case.agency_region == "610102"
    assert case.parties and case.handlers == ["张明", "李华"]


def test_the_ledger_proofs_cover_every_record_and_evidence_event(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第二十六条: each event that wrote the file is proved in the signed log."""
    walked = walk(province, media)
    case = assemble(walked.matter)
    actions = {p.action for p in case.proofs}
    assert {"record.created", "record.signed", "record.served"} <= actions
    assert {"evidence.stored", "evidence.acquired", "evidence.bound"} <= actions
    created = Event.objects.filter(context=walked.matter.context, action="record.created")
    assert {e.seq for e in created} <= {p.event_seq for p in case.proofs}
    checkpoint, _opened = note.open_checkpoint(case.checkpoint, [checkpoints.verifier()])
    for proof in case.proofs:
        assert proof.tree_size == checkpoint.size
        merkle.verify_inclusion(
            proof.event_seq,
            proof.tree_size,
            bytes.fromhex(proof.leaf_hash),
            [bytes.fromhex(h) for h in proof.proof],
            checkpoint.root_hash,
        )


def test_a_missing_filing_report_and_an_unserved_notice_are_named(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第十六条 (立案报告) and 第十三条(五) (served documents are served)."""
    walked = walk(province, media, skip=("filing_report",), extra=("hearing_notice",))
    unmet = missing_for_archive(walked.matter)
    assert {u.code for u in unmet} == {"archive.record.filing_report", "archive.record_served"}
    assert all(u.article and u.message for u in unmet)
    assert any("立案报告" in u.message for u in unmet)


def test_a_matter_before_archiving_is_not_ready(
    province: Province, media: Media, archive_home: Path
) -> None:
    walked = walk(province, media, to="review")
    [unmet] = missing_for_archive(walked.matter)
    assert unmet.code == "archive.stage" and "第十八条" in unmet.article


def test_an_original_missing_from_the_store_is_named(
    province: Province, media: Media, archive_home: Path
) -> None:
    walked = walk(province, media)
    blob = store().path(walked.video.sha256)
    blob.chmod(0o644)
    blob.unlink()
    unmet = missing_for_archive(walked.matter)
    assert [u.code for u in unmet] == ["archive.evidence_missing"]
    assert str(walked.video.pk) in unmet[0].message


def test_retention_follows_the_kind_the_procedure_and_the_records(
    province: Province, archive_home: Path
) -> None:
    """国家档案局令第8号; rules-catalog §(c): collective discussion → permanent."""
    p = province
    penalty = advance(p, open_matter(p), "investigation")
    assert numbering.retention_for(penalty) == "30y"
    matter_actions.set_review_requirements(
        p.officer_a.user, penalty, legal_review=False, collective_discussion=True
    )
    write(p, penalty, "collective_discussion")
    assert numbering.retention_for(penalty) == "permanent"
    assert numbering.retention_for(open_matter(p, kind="inspection")) == "10y"
    assert numbering.retention_for(open_matter(p, kind="penalty", procedure="simplified")) == "10y"
    assert [numbering.retention_code(r) for r in ("permanent", "30y", "10y")] == ["Y", "D30", "D10"]
    assert numbering.kind_code("penalty") == "XZCF"


@pytest.mark.parametrize(
    ("template", "complaint"),
    [
        ("{fonds}-{year}-{colour}-{seq:04d}", "unknown field 'colour'"),
        ("{fonds}-{year}-{kind}", "needs {seq}"),
        ("{fonds}-{seq:q}", "Unknown format code"),
        ("{fonds}-{year", "expected '}'"),
        ("{fonds}/{year}-{seq}", "not a usable folder name"),
    ],
)
def test_a_bad_archive_number_template_is_refused_clearly(template: str, complaint: str) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        numbering.check_template(template)
    assert "LAWTRAIL_ARCHIVE_NUMBER" in str(error.value) and complaint in str(error.value)


def test_the_default_template_makes_a_da_t_22_archive_number(
    province: Province, settings: Any, archive_home: Path
) -> None:
    matter = open_matter(province)
    year = numbering.ended_year(matter)
    assert numbering.archive_number(matter, "30y", 7) == f"610102-{year}-D30-XZCF-0007"
    settings.LAWTRAIL_ARCHIVE_NUMBER = "{agency}卫档·{year}-{retention}-{kind}-{seq:05d}"
    assert numbering.archive_number(matter, "permanent", 12) == f"新卫档·{year}-Y-XZCF-00012"
    settings.LAWTRAIL_ARCHIVE_NUMBER = "{fonds}-{nope}-{seq}"
    with pytest.raises(ImproperlyConfigured):
        numbering.archive_number(matter, "30y", 1)
