"""Every API endpoint, taken from the OpenAPI spec, called by people who must not get in
(invariant 7, 第二十条, 第二十一条): denial is the default.

``RULES`` names every operation of the spec with who, besides the people of the objects, may
call it. A new endpoint that is not in ``RULES`` fails ``test_every_endpoint_has_a_rule``: its
author must decide who may call it, and then the other tests call it as each outsider:

- anonymous → 401 everywhere;
- ``officer_b`` (another county), ``admin`` (the directory, no matters) and a login without an
  officer profile → 403 or 404 on every object of county A, and lists that never name it;
- people calling the station API → 403; a station calling people's API → 403 or 404.

Objects: one matter of county A (handlers officer_a and officer_a2) with a record, a signature,
an approval, a bound photo with its working copy, a device and a station of county A.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from lawtrail.access import actions as access_actions
from lawtrail.access.models import Grant
from lawtrail.api.api import api
from lawtrail.compliance.audit import draw_sample
from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.models import Finding
from lawtrail.devices.tests.helpers import Crew, bearer
from lawtrail.evidence import derivatives
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Approval, Matter
from lawtrail.matters.tests.factories import api_client, fast_password_hashing  # noqa: F401
from lawtrail.records.tests.helpers import open_matter, sign, write
from lawtrail.testing import Province

#: What system administrators manage everywhere (the directory, devices and stations), so the
#: outsider tests do not count them as outsiders there.
ADMINISTERED = (
    "/api/v1/agencies",
    "/api/v1/people",
    "/api/v1/devices",
    "/api/v1/stations",
)

#: Who may call an operation besides the people of the objects it names.
#: "object": it names county A's objects (in the path or the body) → outsiders get 403/404.
#: "list": a list anyone signed in may ask for → it must not name county A's objects.
#: "admin": the directory → only system administrators (403 for the others).
#: "station": the collection station's own calls → people get 403.
#: "signed_in": what every signed-in user may read or do (their own profile, the catalogue,
#:   the ledger's checkpoints and proofs, a checkpoint for the witness to co-sign).
#: "provincial": the witness's alarms: provincial supervisors and system administrators only.
#: The ledger's entries are a "list": everyone signed in gets every index, but the canonical bytes
#: only of the events they may see (the rest withheld, with their leaf hashes; decision 0019 and
#: test_ledger_entries_access.py, which checks the exact set).
RULES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/agencies"): "list",
    ("POST", "/api/v1/agencies"): "admin",
    ("GET", "/api/v1/agencies/{region_code}/people"): "object",
    ("POST", "/api/v1/agencies/{region_code}/people"): "admin",
    ("GET", "/api/v1/people/{username}"): "object",
    ("POST", "/api/v1/people/{username}/certificates"): "admin",
    ("POST", "/api/v1/people/{username}/certificates/{number}/status"): "admin",
    ("POST", "/api/v1/people/{username}/employment"): "object",
    ("POST", "/api/v1/agencies/{region_code}/number-template"): "admin",
    ("GET", "/api/v1/me"): "signed_in",
    ("GET", "/api/v1/matters"): "list",
    ("POST", "/api/v1/matters"): "signed_in",  # in one's own agency, with its own handlers
    ("GET", "/api/v1/matters/{matter_id}"): "object",
    ("POST", "/api/v1/matters/{matter_id}/handlers"): "object",
    ("POST", "/api/v1/matters/{matter_id}/parties"): "object",
    ("POST", "/api/v1/matters/{matter_id}/gis-points"): "object",
    ("POST", "/api/v1/matters/{matter_id}/approvals"): "object",
    ("POST", "/api/v1/matters/{matter_id}/approvals/{approval_id}/decision"): "object",
    ("POST", "/api/v1/matters/{matter_id}/stage"): "object",
    ("POST", "/api/v1/matters/{matter_id}/return"): "object",
    ("POST", "/api/v1/matters/{matter_id}/review-requirements"): "object",
    ("GET", "/api/v1/matters/{matter_id}/timeline"): "object",
    ("GET", "/api/v1/evidence"): "list",
    ("GET", "/api/v1/evidence/deadlines"): "list",
    ("GET", "/api/v1/evidence/{evidence_id}"): "object",
    ("POST", "/api/v1/evidence/{evidence_id}/bindings"): "object",
    ("GET", "/api/v1/evidence/{evidence_id}/original"): "object",
    ("GET", "/api/v1/evidence/{evidence_id}/working-copy"): "object",
    ("GET", "/api/v1/evidence/{evidence_id}/thumbnail"): "object",
    ("GET", "/api/v1/devices"): "list",
    ("POST", "/api/v1/devices"): "object",
    ("GET", "/api/v1/devices/findings"): "list",
    ("GET", "/api/v1/devices/{serial}"): "object",
    ("POST", "/api/v1/devices/{serial}/assignments"): "object",
    ("POST", "/api/v1/devices/{serial}/status"): "object",
    ("POST", "/api/v1/stations/me/heartbeat"): "station",
    ("POST", "/api/v1/stations/me/docks"): "station",
    ("POST", "/api/v1/stations/me/docks/{dock_id}/progress"): "station",
    ("POST", "/api/v1/stations/me/docks/{dock_id}/undock"): "station",
    ("GET", "/api/v1/stations"): "list",
    ("POST", "/api/v1/stations"): "object",
    ("GET", "/api/v1/stations/{station_id}"): "object",
    ("POST", "/api/v1/stations/{station_id}/revoke"): "object",
    ("GET", "/api/v1/record-types"): "signed_in",
    ("GET", "/api/v1/matters/{matter_id}/records"): "object",
    ("POST", "/api/v1/matters/{matter_id}/records"): "object",
    ("GET", "/api/v1/records/{record_id}"): "object",
    ("POST", "/api/v1/records/{record_id}/versions"): "object",
    ("POST", "/api/v1/records/{record_id}/signatures"): "object",
    ("GET", "/api/v1/records/{record_id}/signatures/{signature_id}/image"): "object",
    ("POST", "/api/v1/records/{record_id}/services"): "object",
    ("GET", "/api/v1/records/{record_id}/pdf"): "object",
    ("POST", "/api/v1/records/{record_id}/pdf"): "object",
    ("GET", "/api/v1/ledger/checkpoint"): "signed_in",
    ("GET", "/api/v1/ledger/verifier-key"): "signed_in",
    ("GET", "/api/v1/ledger/entries"): "list",
    ("GET", "/api/v1/witness/alarms"): "provincial",
    ("GET", "/api/v1/ledger/proof/inclusion"): "signed_in",
    ("GET", "/api/v1/ledger/proof/consistency"): "signed_in",
    ("POST", "/api/v1/witness/add-checkpoint"): "signed_in",
    ("POST", "/api/v1/access/requests"): "object",
    ("GET", "/api/v1/access/requests"): "list",
    ("GET", "/api/v1/access/requests/{request_id}"): "object",
    ("POST", "/api/v1/access/requests/{request_id}/decision"): "object",
    ("GET", "/api/v1/access/grants"): "list",
    ("POST", "/api/v1/access/grants/{grant_id}/revoke"): "object",
    ("POST", "/api/v1/access/grants/{grant_id}/packages"): "object",
    ("GET", "/api/v1/access/grants/{grant_id}/packages"): "object",
    ("GET", "/api/v1/access/grants/{grant_id}/packages/{name}"): "object",
    ("POST", "/api/v1/access/matters/{matter_id}/confidentiality"): "object",
    ("POST", "/api/v1/access/evidence/{evidence_id}/confidentiality"): "object",
    ("GET", "/api/v1/compliance/findings"): "list",
    ("GET", "/api/v1/compliance/findings/{finding_id}"): "object",
    ("POST", "/api/v1/compliance/findings/{finding_id}/explanations"): "object",
    ("GET", "/api/v1/compliance/deadlines"): "list",
    ("GET", "/api/v1/compliance/rules"): "signed_in",
    ("GET", "/api/v1/compliance/summary"): "list",  # 403 unless one watches a unit
    # The annual assessment (第二十四条): heads and supervisors only, 403 for everyone else.
    ("GET", "/api/v1/assessment/{year}"): "list",
    ("GET", "/api/v1/assessment/{year}.xlsx"): "list",
    ("GET", "/api/v1/assessment/{year}.pdf"): "list",
    # The internal audit (第十一条) of county A.
    ("POST", "/api/v1/assessment/audits"): "object",
    ("GET", "/api/v1/assessment/audits/{sample_id}"): "object",
    ("POST", "/api/v1/assessment/audits/{sample_id}/items/{item_id}/results"): "object",
    # The archive (第十八条, 第十九条): county A's packages and matters.
    ("GET", "/api/v1/archive/packages"): "list",
    ("GET", "/api/v1/archive/packages/{package_id}"): "object",
    ("POST", "/api/v1/archive/packages/{package_id}/checks"): "object",
    ("GET", "/api/v1/archive/matters/{matter_id}/readiness"): "object",
    ("POST", "/api/v1/archive/matters/{matter_id}"): "object",
}

OUTSIDERS = ("officer_b", "admin", "stranger")


def operations() -> list[tuple[str, str]]:
    import lawtrail.urls  # noqa: F401  (mounts every router, as the server does)

    spec = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, methods in spec["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    )


def test_every_endpoint_has_a_rule() -> None:
    """A new endpoint must say who may call it before it ships."""
    missing = [f"{m} {p}" for m, p in operations() if (m, p) not in RULES]
    stale = [f"{m} {p}" for m, p in RULES if (m, p) not in set(operations())]
    assert not missing, f"endpoints without a rule in RULES: {missing}"
    assert not stale, f"rules for endpoints that no longer exist: {stale}"


@dataclass
class World:
    p: Province
    matter: Matter
    values: dict[str, str]
    secrets: list[str]  # strings that name county A's objects
    station_token: str


@pytest.fixture
def world(province: Province, media: Media, evidence_home: Any, settings: Any) -> World:  # noqa: F811
    from lawtrail.archive.actions import archive_matter
    from lawtrail.archive.tests.archive_fixtures import custodian, walk
    from lawtrail.ledger import checkpoints

    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    settings.LAWTRAIL_ARCHIVE_DIR = evidence_home / "archive"
    checkpoints.ensure_signing_key()
    p = province
    matter = open_matter(p)
    record = write(p, matter, "inquiry")
    signature = sign(p, record, "interviewee")
    approval = matter_actions.request_approval(
        p.officer_a.user, matter, Approval.Subject.FILING, "请批准立案"
    )
    evidence = ingest(p.officer_a.user, media.photo, matter=matter.number).evidence
    derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
    crew = Crew.of(p)
    device = crew.device("DSJ-XC-0777", p.officer_a)
    station, token = crew.station("新城区采集站77")
    dock = bearer(token).post(
        "/api/v1/stations/me/docks",
        {
            "device_serial": device.serial,
            "docked_at": "2026-11-26T08:00:00+08:00",
            "station_clock": "2026-11-26T08:00:00+08:00",
            "files_found": 0,
            "bytes_found": 0,
        },
        content_type="application/json",
    )
    assert dock.status_code == 201, dock.content
    values = {
        "region_code": "610102",
        "username": "officer_a",
        "number": "61010200001",
        "matter_id": str(matter.pk),
        "approval_id": str(approval.pk),
        "evidence_id": str(evidence.pk),
        "serial": device.serial,
        "dock_id": str(dock.json()["id"]),
        "station_id": str(station.pk),
        "record_id": str(record.pk),
        "signature_id": str(signature.pk),
    }
    asked = access_actions.request_access(
        p.officer_a2.user,
        matter,
        access_actions.RequestInput(kind="view", purpose="internal_review", justification="复核"),
    )
    access_actions.decide_access(
        p.head_a.user,
        asked,
        approve=True,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        reason="同意",
    )
    grant = Grant.objects.get(request=asked)
    pending = access_actions.request_access(
        p.officer_a.user,
        matter,
        access_actions.RequestInput(kind="copy", purpose="litigation", justification="诉讼"),
    )
    values["request_id"] = str(pending.pk)
    values["grant_id"] = str(grant.pk)
    values["name"] = "copy.zip"
    # A real finding (第十九条: uploaded 50 hours after the recording ended) and an audit sample.
    late = timezone.now() - datetime.timedelta(hours=50)
    ingest(p.officer_a.user, media.video, recorded_to=late.isoformat(), matter=matter.number)
    evaluate(rules=["uploads.within_48h"])
    values["finding_id"] = str(Finding.objects.get(agency=p.county_a).pk)
    today = timezone.localdate()
    sample = draw_sample(p.head_a.user, p.county_a, 1, today, today, seed="matrix")
    values["year"] = str(today.year)
    values["sample_id"] = str(sample.pk)
    values["item_id"] = str(sample.items.get().pk)
    # A matter walked through all five stages and archived (第十八条).
    archived = walk(p, media)
    package = archive_matter(custodian(p).user, archived.matter)
    values["package_id"] = str(package.pk)
    secrets = [matter.number, evidence.sha256, device.serial, station.name, matter.title]
    secrets += [package.archive_number, archived.matter.number]
    return World(p, matter, values, secrets, token)


#: Bodies that would do something if the caller were allowed: a refusal must come from the
#: permission check, not from a malformed body.
def body_for(method: str, path: str, w: World) -> dict[str, Any] | None:
    if method != "POST":
        return None
    p = w.p
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/agencies": {
            "name": "新机构",
            "level": "county",
            "region_code": "610104",
            "short_name": "新",
            "parent_code": "610100",
        },
        "/api/v1/agencies/{region_code}/people": {"username": "newbie", "name": "新人"},
        "/api/v1/people/{username}/certificates": {
            "number": "61010299999",
            "issuer": "province_legal_office",
            "valid_from": "2026-01-01",
            "valid_to": "2030-01-01",
        },
        "/api/v1/people/{username}/certificates/{number}/status": {"status": "revoked"},
        "/api/v1/people/{username}/employment": {"employment": "contract", "reason": "调岗"},
        "/api/v1/agencies/{region_code}/number-template": {
            "number_template": "{short}卫{nature}〔{year}〕第{seq}号"
        },
        "/api/v1/matters/{matter_id}/handlers": {"officer_id": p.officer_b.pk},
        "/api/v1/matters/{matter_id}/parties": {"type": "person", "name": "某人"},
        "/api/v1/matters/{matter_id}/gis-points": {"latitude": 34.26, "longitude": 108.95},
        "/api/v1/matters/{matter_id}/approvals": {"subject": "filing", "note": "请批准"},
        "/api/v1/matters/{matter_id}/approvals/{approval_id}/decision": {
            "approve": True,
            "opinion": "同意",
        },
        "/api/v1/matters/{matter_id}/stage": {"stage": "investigation", "reason": "立案"},
        "/api/v1/matters/{matter_id}/return": {"reason": "补充调查"},
        "/api/v1/matters/{matter_id}/review-requirements": {"needs_legal_review": True},
        "/api/v1/evidence/{evidence_id}/bindings": {"matter_id": w.matter.pk, "reason": "r"},
        "/api/v1/devices": {"serial": "DSJ-NEW-1", "kind": "body_camera", "agency": "610102"},
        "/api/v1/devices/{serial}/assignments": {"officer": "officer_b", "reason": "r"},
        "/api/v1/devices/{serial}/status": {"status": "retired", "reason": "r"},
        "/api/v1/stations/me/heartbeat": {"queue_files": 0},
        "/api/v1/stations/me/docks": {
            "device_serial": "DSJ-XC-0777",
            "docked_at": "2026-11-26T08:00:00+08:00",
            "station_clock": "2026-11-26T08:00:00+08:00",
            "files_found": 0,
            "bytes_found": 0,
        },
        "/api/v1/stations/me/docks/{dock_id}/progress": {
            "files_uploaded": 0,
            "bytes_uploaded": 0,
            "files_failed": 0,
        },
        "/api/v1/stations/me/docks/{dock_id}/undock": {
            "files_uploaded": 0,
            "bytes_uploaded": 0,
            "files_failed": 0,
            "undocked_at": "2026-11-26T09:00:00+08:00",
        },
        "/api/v1/stations": {"agency": "610102", "name": "新站", "location": "一楼"},
        "/api/v1/stations/{station_id}/revoke": {},
        "/api/v1/matters/{matter_id}/records": {"record_type": "inquiry", "fields": {}},
        "/api/v1/records/{record_id}/versions": {"fields": {}, "reason": "更正"},
        "/api/v1/records/{record_id}/signatures": {
            "signer_role": "interviewee",
            "signer_name": "赵某",
            "status": "refused",
            "circumstances": "拒绝签字",
        },
        "/api/v1/records/{record_id}/services": {
            "method": "直接送达",
            "served_at": "2026-11-26T09:00:00+08:00",
            "recipient": "赵某",
        },
        "/api/v1/access/requests": {
            "matter_id": w.matter.pk,
            "kind": "view",
            "purpose": "internal_review",
            "justification": "x",
        },
        "/api/v1/access/requests/{request_id}/decision": {"approve": False, "reason": "x"},
        "/api/v1/access/grants/{grant_id}/revoke": {"reason": "x"},
        "/api/v1/access/matters/{matter_id}/confidentiality": {
            "level": "business_secret",
            "reason": "x",
        },
        "/api/v1/access/evidence/{evidence_id}/confidentiality": {
            "level": "business_secret",
            "reason": "x",
        },
    }
    return bodies.get(path, {})


#: Query parameters an operation needs before its checks can run.
QUERIES = {"/api/v1/ledger/entries": {"start": 0, "end": 5}}


def call(client: Client, method: str, path: str, w: World) -> Any:
    url = path.format(**w.values)
    if method == "GET":
        return client.get(url, QUERIES.get(path, {}))
    return client.post(url, body_for(method, path, w), content_type="application/json")


def clients(w: World) -> dict[str, Client]:
    stranger = get_user_model().objects.create_user("stranger", password="x" * 16)
    return {
        "officer_b": api_client(w.p.officer_b),
        "admin": api_client(w.p.admin),
        "stranger": api_client(user=stranger),
    }


def test_nobody_signed_out_gets_in(world: World) -> None:
    anonymous = Client()
    for method, path in operations():
        response = call(anonymous, method, path, world)
        assert response.status_code == 401, (method, path, response.status_code)


def test_outsiders_are_refused_county_a_objects(world: World) -> None:
    """403 or 404 on every object of county A, whatever the body (422 would mean the body was
    judged before the caller: the check must come first or the body must be valid)."""
    for persona, client in clients(world).items():
        for method, path in operations():
            rule = RULES[(method, path)]
            if rule not in ("object", "station", "provincial"):
                continue
            if persona == "admin" and rule == "provincial":
                continue
            if persona == "admin" and path.startswith(ADMINISTERED):
                continue
            response = call(client, method, path, world)
            assert response.status_code in (403, 404), (
                persona,
                method,
                path,
                response.status_code,
                response.content[:300],
            )


def test_lists_never_name_county_a_objects_to_outsiders(world: World) -> None:
    for persona, client in clients(world).items():
        for method, path in operations():
            if RULES[(method, path)] != "list":
                continue
            response = call(client, method, path, world)
            assert response.status_code in (200, 403), (persona, path, response.status_code)
            if persona == "admin" and path.startswith(ADMINISTERED):
                continue
            text = response.content.decode()
            for secret in world.secrets:
                assert secret not in text, (persona, path, secret)


def test_only_administrators_change_the_directory(world: World) -> None:
    for persona, client in clients(world).items():
        if persona == "admin":
            continue
        for method, path in operations():
            if RULES[(method, path)] != "admin":
                continue
            response = call(client, method, path, world)
            assert response.status_code in (403, 404), (persona, path, response.status_code)


def test_a_station_token_reaches_nothing_but_its_own_calls(world: World) -> None:
    station = bearer(world.station_token)
    for method, path in operations():
        rule = RULES[(method, path)]
        if rule in ("station", "public", "signed_in", "list"):
            continue
        response = call(station, method, path, world)
        assert response.status_code in (403, 404), (method, path, response.status_code)
