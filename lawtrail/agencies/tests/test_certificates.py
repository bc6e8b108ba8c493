"""执法证 (第十条): issued by 陕西省政府法制办 or 省卫生计生委; only established staff with the
officer role and a certificate in force are enforcement officers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lawtrail.agencies import people
from lawtrail.agencies.models import Certificate, Officer
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import expire
from lawtrail.testing import Province

TODAY = timezone.localdate


def add(p: Province, officer: Officer, **overrides: object) -> Certificate:
    fields: dict[str, object] = {
        "number": "61010200077",
        "issuer": Certificate.Issuer.PROVINCE_HEALTH_COMMISSION,
        "valid_from": TODAY(),
        "valid_to": TODAY() + datetime.timedelta(days=3 * 365),
    }
    fields.update(overrides)
    return people.add_certificate(p.admin.user, officer, **fields)  # type: ignore[arg-type]


def test_the_administrator_adds_a_certificate(province: Province) -> None:
    certificate = add(province, province.reviewer_a)
    assert certificate.status == Certificate.Status.VALID
    event = Event.objects.order_by("-seq").first()
    assert event is not None and event.action == "certificate.added"


def test_an_assistant_holds_no_certificate(province: Province) -> None:
    """第十条: 其他工作人员 only help."""
    before = Event.objects.count()
    with pytest.raises(Invalid):
        add(province, province.assistant_a)
    assert not province.assistant_a.certificates.exists()
    assert Event.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issuer": "city_hall"}, "issuer"),
        ({"number": "61010200001"}, "number"),  # officer_a's
        ({"number": ""}, "number"),
        ({"valid_to": TODAY() - datetime.timedelta(days=1)}, "__all__"),
    ],
)
def test_a_bad_certificate_is_refused(
    province: Province, overrides: dict[str, object], field: str
) -> None:
    before = Certificate.objects.count()
    with pytest.raises(Invalid) as refused:
        add(province, province.officer_a2, **overrides)
    assert field in refused.value.fields
    assert Certificate.objects.count() == before


def test_only_the_administrator_adds_certificates(province: Province) -> None:
    with pytest.raises(Forbidden):
        people.add_certificate(
            province.head_a.user,
            province.officer_a2,
            number="x1",
            issuer=Certificate.Issuer.PROVINCE_HEALTH_COMMISSION,
            valid_from=TODAY(),
            valid_to=TODAY(),
        )


def test_established_officers_with_a_certificate_in_force_can_enforce(
    province: Province,
) -> None:
    assert province.officer_a.can_enforce()
    assert province.head_a.can_enforce()


@pytest.mark.parametrize("persona", ["assistant_a", "reviewer_a", "head_city", "supervisor"])
def test_others_cannot_enforce(province: Province, persona: str) -> None:
    assert not getattr(province, persona).can_enforce()


def test_a_lapsed_suspended_or_future_certificate_does_not_enable(province: Province) -> None:
    officer = province.officer_a
    certificate = officer.certificates.get()
    expire(certificate)
    assert not officer.can_enforce()
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_from=TODAY() + datetime.timedelta(days=1),
        valid_to=TODAY() + datetime.timedelta(days=9),
    )
    assert not officer.can_enforce()
    assert officer.can_enforce(on=TODAY() + datetime.timedelta(days=2))
    certificate.refresh_from_db()
    people.set_certificate_status(province.admin.user, certificate, Certificate.Status.SUSPENDED)
    assert not officer.can_enforce(on=TODAY() + datetime.timedelta(days=2))


def test_staff_not_established_cannot_enforce_even_with_a_certificate(
    province: Province,
) -> None:
    Officer.objects.filter(pk=province.officer_a.pk).update(employment=Officer.Employment.CONTRACT)
    province.officer_a.refresh_from_db()
    assert province.officer_a.valid_certificate() is not None
    assert not province.officer_a.can_enforce()


def test_an_unknown_status_is_refused(province: Province) -> None:
    with pytest.raises(Invalid):
        people.set_certificate_status(
            province.admin.user, province.officer_a.certificates.get(), "lost"
        )
