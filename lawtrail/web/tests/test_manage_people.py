"""People: the list, creating a person, certificates (第十条), roles and deactivation."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.agencies.models import Officer
from lawtrail.testing import Province


def test_the_list_shows_people_and_certificates(
    login: Callable[[str], Client], province: Province
) -> None:
    body = login("admin").get("/manage/people/").content.decode()
    assert "officer_a" in body and "61010200001" in body
    body = login("admin").get("/manage/people/", {"agency": "610103"}).content.decode()
    assert "officer_b" in body and "officer_a2" not in body


def test_a_person_is_created_with_roles(login: Callable[[str], Client], province: Province) -> None:
    response = login("admin").post(
        "/manage/people/new/",
        {
            "username": "officer_a3",
            "name": "赵六",
            "agency_code": "610102",
            "roles": ["officer"],
            "employment": "established",
            "password": "a long enough password 42",
        },
    )
    assert response.status_code == 302
    officer = Officer.objects.get(user__username="officer_a3")
    assert officer.roles == ["officer"]
    assert officer.user.check_password("a long enough password 42")


def test_a_taken_username_is_shown_and_nothing_changes(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/people/new/",
        {
            "username": "officer_a",
            "name": "重名",
            "agency_code": "610102",
            "roles": ["officer"],
            "employment": "established",
        },
    )
    assert response.status_code == 422
    assert "officer_a" in response.content.decode()
    assert event_count() == before


def test_a_certificate_is_added(login: Callable[[str], Client], province: Province) -> None:
    response = login("admin").post(
        f"/manage/people/{province.reviewer_a.pk}/certificates/",
        {
            "number": "61010200099",
            "issuer": "province_health_commission",
            "valid_from": "2024-01-01",
            "valid_to": "2030-12-31",
        },
    )
    assert response.status_code == 302
    assert province.reviewer_a.certificates.get().number == "61010200099"


def test_a_certificate_ending_before_it_starts_is_refused(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        f"/manage/people/{province.reviewer_a.pk}/certificates/",
        {
            "number": "61010200098",
            "issuer": "province_health_commission",
            "valid_from": "2030-01-01",
            "valid_to": "2024-12-31",
        },
    )
    assert response.status_code == 422
    assert event_count() == before


def test_roles_are_changed(login: Callable[[str], Client], province: Province) -> None:
    response = login("admin").post(
        f"/manage/people/{province.officer_a2.pk}/roles/", {"roles": ["officer", "custodian"]}
    )
    assert response.status_code == 302
    province.officer_a2.refresh_from_db()
    assert province.officer_a2.roles == ["custodian", "officer"]


def test_a_person_is_deactivated_and_cannot_log_in(
    login: Callable[[str], Client], province: Province
) -> None:
    response = login("admin").post(
        f"/manage/people/{province.officer_a2.pk}/active/", {"active": "0"}
    )
    assert response.status_code == 302
    province.officer_a2.user.refresh_from_db()
    assert not province.officer_a2.user.is_active
    body = login("admin").get(f"/manage/people/{province.officer_a2.pk}/").content.decode()
    assert "重新启用" in body


def test_an_unknown_person_is_404(login: Callable[[str], Client], province: Province) -> None:
    assert login("admin").get("/manage/people/999999/").status_code == 404
