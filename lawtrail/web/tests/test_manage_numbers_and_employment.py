"""Administration pages: the 文号 template (卫生部令第87号 第四条), certificate status and
employment (第十条)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.testing import Province

DEFAULT = "{short}卫{nature}〔{year}〕{seq}号"


def test_the_agency_page_shows_the_template_and_an_example(
    login: Callable[[str], Client], province: Province
) -> None:
    body = login("admin").get("/manage/agencies/610102/").content.decode()
    assert 'id="numbers"' in body
    assert DEFAULT in body
    assert f"新卫罚〔{timezone.localdate().year}〕1号" in body


def test_the_administrator_sets_the_template(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/agencies/610102/number-template/",
        {"number_template": "{short}卫{nature}〔{year}〕第{seq:03d}号"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/manage/agencies/610102/#numbers")
    agency = Agency.objects.get(region_code="610102")
    assert agency.number_template == "{short}卫{nature}〔{year}〕第{seq:03d}号"
    assert event_count() == before + 1
    assert Event.objects.order_by("-seq").first().action == "agency.number_template_set"  # type: ignore[union-attr]


def test_a_bad_template_is_shown_on_the_field_and_nothing_changes(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/agencies/610102/number-template/",
        {"number_template": "{short}卫{nature}〔{year}〕{sequence}号"},
    )
    assert response.status_code == 422
    assert "{sequence}" in response.content.decode()
    assert response.context["template_form"].has_error("number_template")
    assert Agency.objects.get(region_code="610102").number_template == DEFAULT
    assert event_count() == before


CATEGORISED = "{short}卫{category}{nature}〔{year}〕第{seq}号"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (
            "{short}卫{category}{nature}〔{year}〕第{seq}号",
            "{short}卫{category}{nature}〔{year}〕第{seq}号",
        ),
        (None, DEFAULT),
    ],
)
def test_a_new_agency_takes_its_template_or_the_default(
    login: Callable[[str], Client], province: Province, given: str | None, kept: str
) -> None:
    data = {
        "name": "莲湖区卫生健康局",
        "level": "county",
        "region_code": "610104",
        "short_name": "莲",
        "parent_code": "610100",
    }
    if given is not None:
        data["number_template"] = given
    response = login("admin").post("/manage/agencies/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(region_code="610104").number_template == kept


@pytest.mark.parametrize(
    "url",
    [
        "/manage/agencies/610102/number-template/",
        "/manage/people/{pk}/certificates/61010200001/status/",
        "/manage/people/{pk}/employment/",
    ],
)
@pytest.mark.parametrize("persona", ["head_a", "supervisor", "officer_a"])
def test_only_the_administrator_uses_these_forms(
    login: Callable[[str], Client],
    province: Province,
    event_count: Callable[[], int],
    url: str,
    persona: str,
) -> None:
    before = event_count()
    response = login(persona).post(
        url.format(pk=province.officer_a.pk),
        {
            "number_template": DEFAULT + "x",
            "status": "revoked",
            "employment": "contract",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert event_count() == before


# ---------------------------------------------------------------- certificates (第十条)


def test_the_person_page_offers_a_status_for_each_certificate(
    login: Callable[[str], Client], province: Province
) -> None:
    body = login("admin").get(f"/manage/people/{province.officer_a.pk}/").content.decode()
    assert f"/manage/people/{province.officer_a.pk}/certificates/61010200001/status/" in body
    assert 'id="employment"' in body


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_a_certificate_is_suspended_or_revoked_and_restored(
    login: Callable[[str], Client], province: Province, status: str
) -> None:
    admin = login("admin")
    url = f"/manage/people/{province.officer_a.pk}/certificates/61010200001/status/"
    response = admin.post(url, {"status": status})
    assert response.status_code == 302
    assert response["Location"].endswith("#certificates")
    assert Certificate.objects.get(number="61010200001").status == status
    assert not Officer.objects.get(pk=province.officer_a.pk).can_enforce()
    assert admin.post(url, {"status": "valid"}).status_code == 302
    assert Officer.objects.get(pk=province.officer_a.pk).can_enforce()
    actions = list(Event.objects.order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["certificate.status_changed", "certificate.status_changed"]


def test_a_bad_status_is_422_and_changes_nothing(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    url = f"/manage/people/{province.officer_a.pk}/certificates/61010200001/status/"
    response = login("admin").post(url, {"status": "lost"})
    assert response.status_code == 422
    assert response.context["status_form"].has_error("status")
    assert Certificate.objects.get(number="61010200001").status == "valid"
    assert event_count() == before


def test_another_persons_certificate_is_not_found(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    url = f"/manage/people/{province.officer_a.pk}/certificates/61010300001/status/"
    response = login("admin").post(url, {"status": "revoked"})
    assert response.status_code == 404
    assert Certificate.objects.get(number="61010300001").status == "valid"
    assert event_count() == before


# ---------------------------------------------------------------- employment (第十条)


def test_the_administrator_changes_employment(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        f"/manage/people/{province.officer_a2.pk}/employment/",
        {"employment": "contract", "reason": "合同制转岗"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#employment")
    assert Officer.objects.get(pk=province.officer_a2.pk).employment == "contract"
    assert event_count() == before + 1


def test_the_lead_of_an_open_matter_stays_established(
    login: Callable[[str], Client],
    province: Province,
    matter_a: Matter,
    event_count: Callable[[], int],
) -> None:
    """第十条: an assistant never leads; the page answers 409 and names the matter."""
    before = event_count()
    response = login("admin").post(
        f"/manage/people/{province.officer_a.pk}/employment/",
        {"employment": "assistant", "reason": "调岗"},
    )
    assert response.status_code == 409
    assert matter_a.number in response.content.decode()
    assert "第十条" in response.content.decode()
    assert Officer.objects.get(pk=province.officer_a.pk).employment == "established"
    assert event_count() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"employment": "volunteer", "reason": "x"}, "employment"),
        ({"employment": "contract", "reason": ""}, "reason"),
    ],
)
def test_bad_employment_input_is_422(
    login: Callable[[str], Client],
    province: Province,
    event_count: Callable[[], int],
    data: dict[str, str],
    field: str,
) -> None:
    before = event_count()
    response = login("admin").post(f"/manage/people/{province.officer_a2.pk}/employment/", data)
    assert response.status_code == 422
    assert response.context["employment_form"].has_error(field)
    assert event_count() == before
