"""A penalty matter walked through the five stages of 第三条 with its records and evidence,
through the real actions, ready to be archived (第十八条); and a data folder of the test's own
with a ledger signing key and an archive folder.

Test modules bind the fixtures by assignment (``archive_home = archive_fixtures.archive_home``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lawtrail.agencies.models import Officer, Role
from lawtrail.archive.models import ArchivePackage
from lawtrail.evidence.models import Binding, Evidence
from lawtrail.evidence.tests.fixtures import ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter, Stage
from lawtrail.records import actions
from lawtrail.records.tests.helpers import advance, open_matter, png, serve_directly, sign, write
from lawtrail.testing import Province, make_person

RECORDED = {
    "recorded_from": "2026-11-20T09:00:00+08:00",
    "recorded_to": "2026-11-20T09:10:00+08:00",
}


@dataclass
class Walked:
    matter: Matter
    video: Evidence
    photo: Evidence


@pytest.fixture
def archive_home(settings: Any, evidence_home: Path) -> Path:
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    settings.LAWTRAIL_ARCHIVE_DIR = evidence_home / "archive"
    checkpoints.ensure_signing_key()
    return evidence_home


def custodian(p: Province) -> Officer:
    """档案管理员 of county A (第十九条)."""
    found = Officer.objects.filter(user__username="custodian_a").first()
    return found or make_person("custodian_a", "档案员", p.county_a, [Role.CUSTODIAN])


def walk(
    p: Province,
    media: Media,
    *,
    skip: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    to: str = Stage.ARCHIVING,
) -> Walked:
    """A penalty matter under the general procedure from 程序启动 to ``to`` (归档管理): 受理,
    立案报告, 现场笔录 and 询问笔录 signed by the party side, 陈述申辩告知书 served before the
    decision, the decision signed by the head and served, a video and a photo bound to it.
    ``skip`` leaves record types out; ``extra`` writes more types in 审查决定 (unserved)."""
    matter = open_matter(p)
    for code in ("case_acceptance", "filing_report"):
        if code not in skip:
            write(p, matter, code)
    matter = advance(p, matter, Stage.INVESTIGATION)
    user = p.officer_a.user
    video = ingest(user, media.video, matter=matter.number, **RECORDED).evidence
    photo = ingest(user, media.photo, matter=matter.number).evidence
    if "on_site_inspection" not in skip:
        sign(p, write(p, matter, "on_site_inspection"), "party")
    sign(p, write(p, matter, "inquiry"), "interviewee")
    matter = advance(p, matter, Stage.REVIEW)
    if to == Stage.REVIEW:
        return Walked(matter, video, photo)
    for code in extra:
        write(p, matter, code)
    serve_directly(p, matter, write(p, matter, "statement_notice"))
    decision = write(p, matter, "decision")
    actions.sign_record(
        p.head_a.user,
        decision,
        actions.SignatureInput(
            signer_role="head", signer_name="", status="signed", image_png=png()
        ),
    )
    matter = advance(p, matter, Stage.EXECUTION)
    serve_directly(p, matter, decision)
    matter = advance(p, matter, Stage.ARCHIVING)
    return Walked(matter, video, photo)


def counts() -> dict[str, int]:
    """What a refused archiving must leave as it was."""
    return {
        "packages": ArchivePackage.objects.count(),
        "events": Event.objects.filter(action__startswith="archive.").count(),
        "bindings": Binding.objects.count(),
    }


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
