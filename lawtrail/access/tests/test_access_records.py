"""第二十一条 on the written records and the evidence list: at 商业秘密 and above, the records'
content and the evidence thumbnails are for the matter's people and grant holders only."""

from __future__ import annotations

import pytest

from lawtrail.access import actions
from lawtrail.access.tests.access_fixtures import Case, case, grant_to, payloads, session  # noqa: F401
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.matters.tests.factories import api_client
from lawtrail.records.tests.helpers import write


def classify(c: Case) -> None:
    actions.set_matter_level(c.province.head_a.user, c.matter, "business_secret", "涉及配方")


def test_a_classified_matters_records_are_refused_to_others_in_scope(case: Case) -> None:  # noqa: F811
    record = write(case.province, case.matter, "inquiry")
    classify(case)
    for persona, status in (("officer_a2", 200), ("head_a", 200), ("reviewer_a", 200)):
        response = api_client(getattr(case.province, persona)).get(f"/api/v1/records/{record.pk}")
        assert response.status_code == status, persona
    refused = api_client(case.province.head_city).get(f"/api/v1/records/{record.pk}")
    assert refused.status_code == 403
    assert "第二十一条" in refused.json()["detail"]
    assert [p["record"] for p in payloads("record.view_refused")] == [record.pk]
    page = session(case.province.head_city).get(f"/matters/{case.matter.pk}/records/{record.pk}/")
    assert page.status_code == 403
    assert len(payloads("record.view_refused")) == 2


def test_a_grant_opens_the_records(case: Case) -> None:  # noqa: F811
    record = write(case.province, case.matter, "inquiry")
    classify(case)
    city = api_client(case.province.head_city)
    assert city.get(f"/api/v1/records/{record.pk}").status_code == 403
    grant_to(case, case.province.head_city)  # the city's head asks, the county's head approves
    assert city.get(f"/api/v1/records/{record.pk}").status_code == 200


@pytest.mark.parametrize("level", ["business_secret", "personal_privacy"])
def test_the_list_shows_no_thumbnail_to_those_the_level_keeps_out(case: Case, level: str) -> None:  # noqa: F811
    actions.set_matter_level(case.province.head_a.user, case.matter, level, "理由")
    outsider = session(case.province.head_city).get("/evidence/?tab=all").content.decode()
    assert f"/api/v1/evidence/{case.photo.pk}/thumbnail" not in outsider
    insider = session(case.province.officer_a2).get("/evidence/?tab=all").content.decode()
    assert f"/api/v1/evidence/{case.photo.pk}/thumbnail" in insider
