"""/api/v1/archive: case-file readiness, archiving a matter, packages and their 四性 checks
(第十八条, 第十九条; DA/T 70).

Thin: reads go through ``lawtrail.archive.queries`` (scope first, denial by default), the
changes through ``lawtrail.archive.actions.archive_matter`` and ``queries.check_now``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, UnmetOut, one_of
from lawtrail.archive import actions, queries
from lawtrail.archive.models import ArchivePackage, PackageCheck, Retention
from lawtrail.matters.permissions import get_visible_matter

router = Router(tags=["archive"])


class CheckItemOut(Schema):
    item: str
    passed: bool
    detail: str = Field(description="Names the file or line that failed.")


class CheckOut(Schema):
    id: int
    property: str = one_of(PackageCheck.Property.values)
    passed: bool
    at: datetime.datetime
    occasion: str = Field(description="creation, periodic or manual.")
    items: list[CheckItemOut]


class PackageOut(Schema):
    id: int
    archive_number: str = Field(description="档号")
    matter_id: int
    matter_number: str
    retention: str = one_of(Retention.values)
    path: str = Field(description="The bag's folder, relative to LAWTRAIL_ARCHIVE_DIR.")
    bag_sha256: str = Field(description="SHA-256 of tagmanifest-sha256.txt.")
    payload_oxum: str
    files: int
    references: int
    created_at: datetime.datetime
    passed: bool | None = Field(description="All four latest checks passed; null: not all run.")
    latest: list[CheckOut] = Field(description="The latest check of each property.")


class PackageDetailOut(PackageOut):
    checks: list[CheckOut] = Field(description="Every check run, newest first (at most 200).")


class ReadinessOut(Schema):
    matter_id: int
    matter_number: str
    stage: str
    ended_at: datetime.datetime | None
    due: datetime.date | None = Field(description="第十八条: 30 days after the end.")
    archived: str | None = Field(description="The 档号 when archived.")
    ready: bool
    unmet: list[UnmetOut]


def check_out(check: PackageCheck) -> CheckOut:
    items: list[dict[str, Any]] = check.items if isinstance(check.items, list) else []
    return CheckOut(
        id=check.pk,
        property=check.property,
        passed=check.passed,
        at=check.at,
        occasion=check.occasion,
        items=[
            CheckItemOut(
                item=str(i.get("item", "")),
                passed=bool(i.get("passed")),
                detail=str(i.get("detail", "")),
            )
            for i in items
        ],
    )


def package_fields(package: ArchivePackage) -> dict[str, Any]:
    latest = queries.ordered_latest(package)
    return {
        "id": package.pk,
        "archive_number": package.archive_number,
        "matter_id": package.matter_id,
        "matter_number": package.matter.number,
        "retention": package.retention,
        "path": package.path,
        "bag_sha256": package.bag_sha256,
        "payload_oxum": package.payload_oxum,
        "files": package.files,
        "references": package.references,
        "created_at": package.created_at,
        "passed": queries.PackageRow(package, latest).passed,
        "latest": [check_out(c) for c in latest],
    }


def package_detail(package: ArchivePackage) -> PackageDetailOut:
    runs = package.checks.order_by("-at", "-id")[:200]
    return PackageDetailOut(**package_fields(package), checks=[check_out(c) for c in runs])


@router.get("/packages", response={200: list[PackageOut], **READ_ERRORS}, summary="Packages")
def list_packages(request: HttpRequest) -> list[PackageOut]:
    return [PackageOut(**package_fields(r.package)) for r in queries.package_rows(caller(request))]


@router.get(
    "/packages/{package_id}", response={200: PackageDetailOut, **READ_ERRORS}, summary="Package"
)
def get_package(request: HttpRequest, package_id: int) -> PackageDetailOut:
    return package_detail(queries.get_visible_package(caller(request), package_id))


@router.post(
    "/packages/{package_id}/checks",
    response={201: list[CheckOut], **WRITE_ERRORS},
    summary="Run the four checks (四性, DA/T 70) now (the custodian or head)",
)
def run_checks(request: HttpRequest, package_id: int) -> Status[list[CheckOut]]:
    user = caller(request)
    package = queries.get_visible_package(user, package_id)
    return Status(201, [check_out(c) for c in queries.check_now(user, package)])


@router.get(
    "/matters/{matter_id}/readiness",
    response={200: ReadinessOut, **READ_ERRORS},
    summary="What the matter's case file still lacks before it can be archived",
)
def readiness(request: HttpRequest, matter_id: int) -> ReadinessOut:
    matter, unmet = queries.readiness(caller(request), matter_id)
    package = ArchivePackage.objects.filter(matter=matter).first()
    return ReadinessOut(
        matter_id=matter.pk,
        matter_number=matter.number,
        stage=matter.stage,
        ended_at=matter.ended_at,
        due=queries.due_date(matter),
        archived=package.archive_number if package else None,
        ready=not unmet,
        unmet=[UnmetOut(**u.as_dict()) for u in unmet],
    )


@router.post(
    "/matters/{matter_id}",
    response={201: PackageDetailOut, **WRITE_ERRORS},
    summary="Archive the matter's case file (the custodian or head; 第十八条)",
)
def archive(request: HttpRequest, matter_id: int) -> Status[PackageDetailOut]:
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    package = actions.archive_matter(user, matter)
    return Status(201, package_detail(package))
