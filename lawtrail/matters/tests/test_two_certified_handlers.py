"""Investigation needs two handlers with certificates in force (第十条; 行政处罚法 第四十二条).

An expired, suspended or revoked certificate does not count, nor does an assistant, who holds
none; the refusal (409) names the condition and the rule behind it.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lawtrail.agencies import people
from lawtrail.agencies.models import Certificate
from lawtrail.errors import Refused
from lawtrail.matters import actions
from lawtrail.matters.models import Stage
from lawtrail.matters.tests.factories import expire, open_matter, snapshot
from lawtrail.testing import Province


def unmet_codes(error: Refused) -> list[str]:
    return [u.code for u in error.unmet]


def test_two_certified_handlers_may_start_the_investigation(province: Province) -> None:
    matter = open_matter(province)
    moved = actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert moved.stage == Stage.INVESTIGATION


def test_one_handler_is_not_enough(province: Province) -> None:
    matter = open_matter(province, handlers=[province.officer_a.pk])
    before = snapshot()
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert unmet_codes(refused.value) == ["handlers.two_certified"]
    [unmet] = refused.value.unmet
    assert "第四十二条" in unmet.article and "第十条" in unmet.article
    assert snapshot() == before
    matter.refresh_from_db()
    assert matter.stage == Stage.INITIATION


def test_an_assistant_does_not_count(province: Province) -> None:
    matter = open_matter(province, handlers=[province.officer_a.pk, province.assistant_a.pk])
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert unmet_codes(refused.value) == ["handlers.two_certified"]


def test_an_expired_certificate_does_not_count(province: Province) -> None:
    matter = open_matter(province)
    expire(province.officer_a2.certificates.get())
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert unmet_codes(refused.value) == ["handlers.two_certified"]


def test_a_certificate_not_yet_valid_does_not_count(province: Province) -> None:
    matter = open_matter(province)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    province.officer_a2.certificates.update(valid_from=tomorrow)
    with pytest.raises(Refused):
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)


@pytest.mark.parametrize("status", [Certificate.Status.SUSPENDED, Certificate.Status.REVOKED])
def test_a_suspended_or_revoked_certificate_does_not_count(province: Province, status: str) -> None:
    matter = open_matter(province)
    certificate = province.officer_a2.certificates.get()
    people.set_certificate_status(province.admin.user, certificate, status)
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert unmet_codes(refused.value) == ["handlers.two_certified"]
    # A new certificate in force makes the officer count again.
    people.add_certificate(
        province.admin.user,
        province.officer_a2,
        number="61010200099",
        issuer=Certificate.Issuer.PROVINCE_LEGAL_OFFICE,
        valid_from=timezone.localdate(),
        valid_to=timezone.localdate() + datetime.timedelta(days=365),
    )
    moved = actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert moved.stage == Stage.INVESTIGATION


def test_a_third_certified_handler_makes_up_for_one_whose_certificate_lapsed(
    province: Province,
) -> None:
    matter = open_matter(province)
    expire(province.officer_a2.certificates.get())
    actions.add_handler(province.officer_a.user, matter, province.head_a.pk)
    moved = actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert moved.stage == Stage.INVESTIGATION
