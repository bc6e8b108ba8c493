"""Recording rules: 第十四条 (audio/video mandatory), 第十七条 (notice before recording) and
第二十三条 (devices only in the hands they are assigned to), on real ingested files."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.agencies.models import Officer
from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import findings, open_findings, scan
from lawtrail.devices.tests.helpers import Crew
from lawtrail.evidence.actions import bind_evidence
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.models import Acquisition
from lawtrail.evidence.tests import fixtures
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.models import Matter, Stage
from lawtrail.records.tests.helpers import advance, open_matter
from lawtrail.testing import Province

# The evidence fixtures, bound by assignment: a store of each test's own and real recordings.
evidence_home = fixtures.evidence_home
media = fixtures.media

pytestmark = pytest.mark.usefixtures("evidence_home")

AV = "recording.av_mandatory"
NOTICE = "recording.notice"
DEVICE = "devices.assigned_officer"


def flagged_matter(p: Province, **flags: bool) -> Matter:
    """A penalty matter with 第十四条 situations, in 调查取证."""
    return advance(p, open_matter(p, flags=flags or {"av_contentious": True}), Stage.INVESTIGATION)


def acquire(
    p: Province, path: Path, *, matter: Matter | None = None, by: Officer | None = None, **kw: Any
) -> Acquisition:
    """``path`` brought in by officer_a (or ``by``), recorded by that officer an hour ago."""
    officer = by or p.officer_a
    started = timezone.now() - datetime.timedelta(hours=1)
    kw.setdefault("recorded_from", started.isoformat())
    kw.setdefault("recorded_to", (started + datetime.timedelta(minutes=2)).isoformat())
    return ingest_file(
        officer.user,
        path,
        IngestInput(
            filename=path.name,
            officer=officer.user.username,
            matter=matter.number if matter else "",
            **kw,
        ),
    )


# --- 第十四条 ---------------------------------------------------------------------------------


def test_article_14_fires_for_a_flagged_matter_under_investigation_without_av(
    province: Province, media: Media
) -> None:
    matter = flagged_matter(province, av_contentious=True, av_complaint=True)
    acquire(province, media.photo, matter=matter)  # a photo is not audio or video

    report = scan(AV)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(AV)
    assert finding.subject == f"matter:{matter.pk}"
    assert finding.article == "第十四条"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    assert finding.opened_because["av_evidence"] == 0
    assert finding.opened_because["situations"] == ["av_contentious", "av_complaint"]
    assert finding.opened_because["stage"] == Stage.INVESTIGATION


def test_article_14_clears_when_a_video_is_bound(province: Province, media: Media) -> None:
    matter = flagged_matter(province)
    scan(AV)
    video = acquire(province, media.video, matter=matter)
    assert video.evidence.kind == "video"

    report = scan(AV)

    assert report.rules[0].closed == 1
    (finding,) = findings(AV)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["facts"]["av_evidence"] == 1
    bound_at = video.evidence.bindings.get().bound_at
    assert finding.closed_because["facts"]["done"] == bound_at.isoformat()


def test_article_14_audio_counts_too(province: Province, media: Media) -> None:
    matter = flagged_matter(province, av_emergency=True)
    acquire(province, media.audio_m4a, matter=matter)

    assert scan(AV).rules[0].breached == 0
    assert findings(AV) == []


def test_article_14_evidence_moved_to_another_matter_no_longer_counts(
    province: Province, media: Media
) -> None:
    """The latest binding counts: a video rebound elsewhere leaves the first matter without."""
    first = flagged_matter(province)
    video = acquire(province, media.video, matter=first)
    second = open_matter(province)
    scan(AV)
    assert findings(AV) == []

    bind_evidence(
        province.officer_a.user,
        video.evidence_id,
        matter_id=second.pk,
        matter_number="",
        reason="误绑，应属另一案件。",
    )
    scan(AV)

    (finding,) = open_findings(AV)
    assert finding.matter == first


def test_article_14_does_not_judge_unflagged_or_initiating_matters(
    province: Province, matter: Matter
) -> None:
    open_matter(province, flags={"av_major_event": True})  # still in 程序启动

    report = scan(AV)

    assert report.rules[0].checked == 0
    assert findings(AV) == []


def test_article_14_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province,
) -> None:
    one = flagged_matter(province)
    other = flagged_matter(province)

    report = scan(AV, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.matter_id for f in open_findings(AV)] == [other.pk]
    scan(AV)
    assert {f.matter_id for f in open_findings(AV)} == {one.pk, other.pk}


# --- 第十七条 ---------------------------------------------------------------------------------


def test_article_17_fires_when_the_party_was_not_told_and_no_reason_is_given(
    province: Province, matter: Matter, media: Media
) -> None:
    silent = acquire(province, media.video, matter=matter, notice_given="false")

    report = scan(NOTICE)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(NOTICE)
    assert finding.subject == f"acquisition:{silent.pk}"
    assert finding.article == "第十七条"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert finding.evidence_id == silent.evidence_id
    assert list(finding.officers.all()) == [province.officer_a]
    assert finding.opened_because["notice_given"] is False
    assert finding.opened_because["interruption_reason"] == ""
    assert finding.opened_because["filename"] == media.video.name


def test_article_17_told_with_a_reason_or_not_stated_does_not_fire(
    province: Province, matter: Matter, media: Media
) -> None:
    acquire(province, media.video, matter=matter, notice_given="true", notice_method="口头告知")
    acquire(
        province,
        media.audio_m4a,
        matter=matter,
        notice_given="false",
        interruption_reason="当事人暴力抗拒检查，无法事先告知。",
    )
    acquire(province, media.audio_wav, matter=matter)  # notice_given NULL: not stated

    report = scan(NOTICE)

    assert (report.rules[0].checked, report.rules[0].breached) == (3, 0)
    assert findings(NOTICE) == []


def test_article_17_the_breach_stays_a_fact_until_it_is_explained(
    province: Province, matter: Matter, media: Media
) -> None:
    """Acquisitions are append-only (第二十六条): a later, proper recording does not undo it."""
    acquire(province, media.video, matter=matter, notice_given="false")
    scan(NOTICE)
    acquire(province, media.audio_m4a, matter=matter, notice_given="true")

    report = scan(NOTICE)

    assert (report.rules[0].opened, report.rules[0].closed) == (0, 0)
    assert len(open_findings(NOTICE)) == 1


def test_article_17_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter, media: Media
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    acquire(province, media.video, matter=matter, notice_given="false")
    mine = acquire(province, media.audio_m4a, matter=other, notice_given="false")

    report = scan(NOTICE, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.subject for f in open_findings(NOTICE)] == [f"acquisition:{mine.pk}"]


# --- 第二十三条 -------------------------------------------------------------------------------


def test_article_23_fires_for_a_recording_on_a_device_assigned_to_someone_else(
    province: Province, matter: Matter, media: Media
) -> None:
    crew = Crew.of(province)
    crew.device("DSJ-XC-0001", holder=province.officer_a2)
    borrowed = acquire(province, media.video, matter=matter, device="DSJ-XC-0001")

    report = scan(DEVICE)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(DEVICE)
    assert finding.subject == f"acquisition:{borrowed.pk}"
    assert finding.article == "第二十三条"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert finding.evidence_id == borrowed.evidence_id
    assert list(finding.officers.all()) == [province.officer_a]
    assert finding.opened_because["device_serial"] == "DSJ-XC-0001"
    assert finding.opened_because["finding_code"] == "device.not_assigned"
    assert finding.opened_because["finding_detail"]["assigned_to"] == "officer_a2"


def test_article_23_fires_for_a_device_held_by_an_assistant(
    province: Province, matter: Matter, media: Media
) -> None:
    crew = Crew.of(province)
    crew.device("DSJ-XC-0002", holder=province.assistant_a)
    acquire(province, media.video, by=province.assistant_a, device="DSJ-XC-0002")

    scan(DEVICE)

    (finding,) = open_findings(DEVICE)
    assert finding.opened_because["finding_code"] == "device.assignee_not_enforcement_officer"
    assert list(finding.officers.all()) == [province.assistant_a]


def test_article_23_the_assigned_officer_and_unregistered_devices_do_not_fire(
    province: Province, matter: Matter, media: Media
) -> None:
    """An unknown device is 第十一条's concern (registry), not this rule's."""
    crew = Crew.of(province)
    crew.device("DSJ-XC-0003", holder=province.officer_a)
    acquire(province, media.video, matter=matter, device="DSJ-XC-0003")
    acquire(province, media.audio_m4a, matter=matter, device="DSJ-UNKNOWN-9")
    acquire(province, media.photo, matter=matter)

    report = scan(DEVICE)

    assert (report.rules[0].checked, report.rules[0].breached) == (3, 0)


def test_article_23_an_evaluation_of_one_evidence_judges_only_that_evidence(
    province: Province, media: Media
) -> None:
    crew = Crew.of(province)
    crew.device("DSJ-XC-0004", holder=province.officer_a2)
    acquire(province, media.video, device="DSJ-XC-0004")
    mine = acquire(province, media.audio_m4a, device="DSJ-XC-0004")

    report = scan(DEVICE, scope=Scope.of(evidence={mine.evidence_id}))

    assert report.rules[0].checked == 1
    assert [f.subject for f in open_findings(DEVICE)] == [f"acquisition:{mine.pk}"]
    scan(DEVICE)
    assert len(open_findings(DEVICE)) == 2
