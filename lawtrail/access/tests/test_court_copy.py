"""Issue 6, done when: a head approves a court's request, the court receives a package it can
verify offline, and every access is in the ledger (第二十条).

A handler enters the court's request, the head of the agency approves a copy grant, the
handler has the package made (a background job) and downloads it; the court runs the
standalone verifier with a plain Python and it passes.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.access import actions
from lawtrail.access.models import Grant
from lawtrail.access.tasks import make_copy_package
from lawtrail.access.tests.package_fixtures import Case, run_verifier
from lawtrail.access.tests.package_fixtures import case_fixture as case_fixture
from lawtrail.access.tests.package_fixtures import signing_key_fixture as signing_key_fixture
from lawtrail.evidence.tests.fixtures import evidence_home as evidence_home
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, fast_password_hashing  # noqa: F401


def court_grant(case: Case, kind: str = "copy") -> Grant:
    p = case.province
    request = actions.request_access(
        p.officer_a.user,
        case.matter,
        actions.RequestInput(
            kind=kind,
            purpose="litigation",
            justification="当事人提起行政诉讼，法院调取执法音像记录。",
            recipient_name="李法官",
            recipient_organisation="西安市新城区人民法院",
        ),
    )
    actions.decide_access(
        p.head_a.user,
        request,
        approve=True,
        expires_at=timezone.now() + datetime.timedelta(days=30),
        reason="同意复制",
    )
    return Grant.objects.get(request=request)


def actions_logged() -> list[str]:
    return list(Event.objects.order_by("seq").values_list("action", flat=True))


@pytest.mark.slow
def test_a_court_gets_a_package_it_verifies_offline(
    case: Case, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    p = case.province
    grant = court_grant(case)
    handler = api_client(p.officer_a)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = handler.post(f"/api/v1/access/grants/{grant.pk}/packages")
    assert response.status_code == 202, response.content
    assert len(queued) == 1  # the job, queued once the request commits
    name = make_copy_package.call(grant.pk, p.officer_a.user.pk)

    listed = handler.get(f"/api/v1/access/grants/{grant.pk}/packages").json()
    assert [item["name"] for item in listed] == [name]
    download = handler.get(f"/api/v1/access/grants/{grant.pk}/packages/{name}")
    assert download.status_code == 200
    package = tmp_path / name
    package.write_bytes(b"".join(download.streaming_content))

    result = run_verifier(package)
    assert result.returncode == 0, result.stdout + result.stderr

    logged = actions_logged()
    for action in ("access.requested", "access.approved", "package.built", "package.downloaded"):
        assert action in logged, (action, logged)
    built = Event.objects.filter(action="package.built").get()
    payload = json.loads(bytes(built.body))["payload"]
    assert "西安市新城区人民法院" in json.dumps(payload, ensure_ascii=False)


def test_only_the_matters_people_get_the_package(case: Case) -> None:
    grant = court_grant(case)
    for persona, status in (("officer_b", 404), ("reviewer_a", 404), ("head_city", 404)):
        client = api_client(getattr(case.province, persona))
        response = client.post(f"/api/v1/access/grants/{grant.pk}/packages")
        assert response.status_code == status, (persona, response.content)
        response = client.get(f"/api/v1/access/grants/{grant.pk}/packages/anything.zip")
        assert response.status_code == status
    assert "package.downloaded" not in actions_logged()


def test_a_revoked_grant_makes_no_package(case: Case) -> None:
    grant = court_grant(case)
    actions.revoke_grant(case.province.head_a.user, grant, "法院撤回调取")
    response = api_client(case.province.officer_a).post(
        f"/api/v1/access/grants/{grant.pk}/packages"
    )
    assert response.status_code == 422
    assert "revoked" in response.json()["detail"] or "撤销" in response.json()["detail"]


@pytest.mark.parametrize("name", ["../../secret_key", "x.zip/../..", "none.zip", "a b.zip"])
def test_a_package_name_outside_the_grants_folder_is_not_found(case: Case, name: str) -> None:
    grant = court_grant(case)
    response = api_client(case.province.officer_a).get(
        f"/api/v1/access/grants/{grant.pk}/packages/{name}"
    )
    assert response.status_code == 404


@pytest.mark.slow
def test_the_grants_page_makes_and_hands_over_the_package(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    """The same flow in the pages: a button on the grant, then a link to the zip."""
    from django.test import Client

    p = case.province
    grant = court_grant(case)
    page = Client()
    page.force_login(p.officer_a.user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = page.post(f"/access/grants/{grant.pk}/packages/")
    assert response.status_code == 302 and len(queued) == 1
    name = make_copy_package.call(grant.pk, p.officer_a.user.pk)
    listing = page.get("/access/grants/").content.decode()
    assert f'data-package="{name}"' in listing
    download = page.get(f"/access/grants/{grant.pk}/packages/{name}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    outsider = Client()
    outsider.force_login(p.officer_b.user)
    assert outsider.get(f"/access/grants/{grant.pk}/packages/{name}").status_code == 404
    assert outsider.post(f"/access/grants/{grant.pk}/packages/").status_code == 404
