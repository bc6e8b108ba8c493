"""Building the demo province in one transaction and printing its logins once."""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.archive.actions import archive_matter
from lawtrail.archive.models import ArchivePackage
from lawtrail.compliance.engine import evaluate
from lawtrail.demo import equipment as demo_equipment
from lawtrail.demo import matters as demo_matters
from lawtrail.demo import media as demo_media
from lawtrail.demo import records as demo_records
from lawtrail.demo.identifiers import IdentifierMaker
from lawtrail.demo.people import PEOPLE, PROVINCE, Staff, create_staff, set_passwords
from lawtrail.demo.scenarios import SCENARIOS, Scenario
from lawtrail.errors import UsageError
from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Kind, Matter, Stage
from lawtrail.replication.replica import set_agency_replica
from lawtrail.replication.sync import SyncReport, sync

MARKER = "demo.built"
ADDRESS = "http://127.0.0.1:8000/"


def demo_event() -> Event | None:
    """The ledger event that the demo writes last; its presence means the demo is built."""
    return Event.objects.filter(action=MARKER).order_by("seq").first()


def holds_other_data() -> bool:
    return Agency.objects.exists() or get_user_model().objects.exists() or Event.objects.exists()


def build_demo(out: TextIO) -> None:
    """Build the demo province, or say that it is already there.

    Raises ``UsageError`` (the CLI exits 2) when the database holds data that is not the demo:
    the demo never mixes its people and matters into a real province.
    """
    started = time.monotonic()
    with (
        ThreadPoolExecutor(max_workers=2) as pool,
        demo_media.media_folder() as folder,
        transaction.atomic(),
    ):
        # Inside the transaction: on SQLite it holds the write lock (IMMEDIATE), so two
        # ``lawtrail demo`` at once build one province.
        existing = demo_event()
        if existing is not None:
            when = timezone.localtime(existing.at).strftime("%Y-%m-%d %H:%M")
            out.write(
                f"The demo province is already built (on {when}); nothing was changed.\n"
                "Its passwords were shown once when it was built; set a new one with "
                "`lawtrail user set-password USERNAME`.\n"
            )
            return
        if holds_other_data():
            raise UsageError(
                "This database already holds agencies, people or events that are not the demo; "
                "`lawtrail demo` builds only into an empty database. Point LAWTRAIL_HOME "
                "(or DATABASE_URL) at a fresh one."
            )
        staff = create_staff(pool)
        ids = IdentifierMaker()
        records = demo_records.RecordMaker(staff)
        equipment = demo_equipment.equip(staff)
        media = demo_media.MediaMaker(staff, Path(folder), equipment)

        def hook(scenario: Scenario, matter: Matter, stage: str, entered: bool) -> None:
            records.hook(scenario, matter, stage, entered)
            media.hook(scenario, matter, stage, entered)

        built: list[Matter] = []
        for scenario in SCENARIOS:
            matter = demo_matters.open_scenario(staff, ids, scenario)
            built.append(demo_matters.walk(staff, scenario, matter, hook))
        equipment.finish()
        set_passwords(staff)
        # The compliance room judges the province once, so its pages show what fell short.
        scan = evaluate()
        events.append(
            events.SYSTEM,
            MARKER,
            ("demo", "610000"),
            {
                "agencies": len(staff.agencies),
                "people": len(staff.people),
                "matters": [m.number for m in built],
                "records": records.count,
                "evidence": media.count,
                "stations": len(equipment.stations),
                "devices": len(equipment.devices),
                "findings": scan.opened,
            },
        )
    package = archive_one(staff, built)
    copied = replicate(staff)
    report(out, staff, built, records.count, media.count, time.monotonic() - started)
    out.write(
        f"  archive: {package.archive_number} (salon penalty, 四性 checked) in {package.path}; "
        "the restaurant inspection is complete and waits for the custodian\n"
    )
    out.write(
        f"  provincial copy: {len(copied.copied)} important original(s) copied and read back "
        "(第十九条; `lawtrail backup verify`)\n"
    )
    out.write(
        f"  compliance: {scan.opened} findings opened by {len(scan.rules)} rules "
        "(see /compliance/ or `lawtrail compliance scan`)\n"
    )
    report_stations(out, equipment.tokens)


#: 第十八条: of the two matters that reached 归档管理, the demo archives this one; the other
#: (restaurant_inspection) is complete and ready for the custodian to archive.
ARCHIVED = "salon_penalty"


def archive_one(staff: Staff, built: list[Matter]) -> ArchivePackage:
    """The custodian archives the salon penalty: a validated, signed BagIt package (第十八条).

    After the demo's transaction, as in life: the bag is built outside any transaction and
    recorded in one of its own."""
    keys = [scenario.key for scenario in SCENARIOS]
    matter = built[keys.index(ARCHIVED)]
    return archive_matter(staff["custodian_a"].user, matter)


def replicate(staff: Staff) -> SyncReport:
    """第十九条: the important evidence goes to the provincial store and is read back.

    Without LAWTRAIL_REPLICA the administrator points the province (and so every agency below
    it) at a folder beside the data, standing for the provincial audio/video database."""
    if not settings.LAWTRAIL_REPLICA:
        target = (Path(settings.LAWTRAIL_HOME) / "province-replica").as_uri()
        province = staff.agencies[PROVINCE]
        set_agency_replica(staff["admin"].user, province, target)
    return sync(retries=1, backoff=0.1)


def report_stations(out: TextIO, tokens: dict[str, str]) -> None:
    out.write("\nStation tokens (shown once; for `lawtrail station run --token …`):\n\n")
    for name, token in tokens.items():
        out.write(f"  {name}  {token}\n")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


# The main role first: a head who is also an officer is shown as a head.
ROLE_ORDER = [
    Role.ADMIN,
    Role.SUPERVISOR,
    Role.HEAD,
    Role.LEGAL_REVIEWER,
    Role.CUSTODIAN,
    Role.EQUIPMENT_MANAGER,
    Role.OFFICER,
    Role.AUDITOR,
]


def role_names(roles: list[str], assistant: bool) -> str:
    if assistant:
        return str(Officer.Employment.ASSISTANT.label)
    return ", ".join(str(role.label) for role in ROLE_ORDER if role in roles)


def report(
    out: TextIO, staff: Staff, built: list[Matter], records: int, media: int, seconds: float
) -> None:
    kinds = Counter(Kind(m.kind).label for m in built)
    stages = Counter(Stage(m.stage).label for m in built)
    out.write(
        f"\nBuilt the demo province in {seconds:.1f} s: {len(staff.agencies)} agencies, "
        f"{len(staff.people)} people, {len(built)} matters, {records} records, "
        f"{media} pieces of evidence.\n"
    )
    out.write("  matters by kind:  " + "; ".join(f"{k} {n}" for k, n in kinds.items()) + "\n")
    out.write("  matters by stage: " + "; ".join(f"{k} {n}" for k, n in stages.items()) + "\n")
    rows = [["username", "name", "role", "agency", "password"]]
    for person in PEOPLE:
        officer = staff[person.username]
        rows.append(
            [
                person.username,
                officer.name,
                role_names(officer.roles, officer.is_assistant),
                staff.agencies[person.agency].name,
                staff.passwords[person.username],
            ]
        )
    out.write("\nDemo logins (the passwords are shown this once and stored nowhere else):\n\n")
    out.write("\n".join(table(rows)) + "\n")
    out.write(f"\nOpen {ADDRESS} once `lawtrail serve` runs, and log in as one of them.\n")
