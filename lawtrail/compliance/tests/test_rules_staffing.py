"""第十条; 行政处罚法 第四十二条: a matter past 程序启动 has two certified enforcement officers
among its handlers (``staffing.two_certified``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from lawtrail.agencies.models import Certificate
from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import findings, open_findings, scan
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Matter, Stage
from lawtrail.records.tests.helpers import advance, open_matter
from lawtrail.testing import Province

RULE = "staffing.two_certified"


def revoke(officer_id: int) -> None:
    """Test arrangement: the certificate office revokes the officer's certificate (the
    certificate table is not append-only; there is no action for it yet)."""
    Certificate.objects.filter(officer_id=officer_id).update(status=Certificate.Status.REVOKED)


def test_article_10_fires_when_a_handler_of_an_investigated_matter_loses_the_certificate(
    province: Province, matter: Matter
) -> None:
    assert scan(RULE).rules[0].breached == 0
    revoke(province.officer_a2.pk)

    report = scan(RULE)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(RULE)
    assert finding.subject == f"matter:{matter.pk}"
    assert finding.article == "第十条"
    assert finding.severity == "high"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert finding.evidence is None
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    assert finding.opened_because["certified_handlers"] == 1
    assert finding.opened_because["handler_count"] == 2
    assert finding.opened_because["stage"] == Stage.INVESTIGATION
    assert finding.opened_because["required"] == 2
    assert finding.opened_because["relevant_day"] == timezone.localdate().isoformat()


def test_article_10_clears_when_a_certified_officer_joins_the_handlers(
    province: Province, matter: Matter
) -> None:
    revoke(province.officer_a2.pk)
    scan(RULE)
    matter_actions.add_handler(province.officer_a.user, matter, province.head_a.pk)

    report = scan(RULE)

    assert report.rules[0].closed == 1
    (finding,) = findings(RULE)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled"] is True
    assert finding.closed_because["facts"]["certified_handlers"] == 2


def test_article_10_an_assistant_with_a_certificate_does_not_count(
    province: Province, matter: Matter
) -> None:
    """第十条: 协助人员 may help record, but are not the officers the law counts."""
    revoke(province.officer_a2.pk)
    Certificate.objects.create(
        officer=province.assistant_a,
        number="61010299999",
        issuer=Certificate.Issuer.PROVINCE_HEALTH_COMMISSION,
        valid_from=datetime.date(2024, 1, 1),
        valid_to=datetime.date(2099, 12, 31),
        status=Certificate.Status.VALID,
    )
    matter_actions.add_handler(province.officer_a.user, matter, province.assistant_a.pk)

    scan(RULE)

    (finding,) = open_findings(RULE)
    assert finding.opened_because["handler_count"] == 3
    assert finding.opened_because["certified_handlers"] == 1


def test_article_10_an_expired_certificate_is_not_valid_on_the_relevant_day(
    province: Province, matter: Matter
) -> None:
    Certificate.objects.filter(officer=province.officer_a).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    scan(RULE)
    assert len(open_findings(RULE)) == 1

    # A matter that ended while the certificate was valid was lawfully staffed.
    Matter.objects.filter(pk=matter.pk).update(ended_at=timezone.now() - datetime.timedelta(days=3))
    scan(RULE)
    assert open_findings(RULE) == []


def test_article_10_a_matter_still_in_initiation_is_not_judged(province: Province) -> None:
    opened = open_matter(province)
    revoke(province.officer_a2.pk)

    report = scan(RULE)

    assert report.rules[0].checked == 0
    assert findings(RULE, matter=opened) == []


def test_article_10_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    revoke(province.officer_a2.pk)

    report = scan(RULE, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.matter_id for f in open_findings(RULE)] == [other.pk]
    scan(RULE)
    assert {f.matter_id for f in open_findings(RULE)} == {matter.pk, other.pk}
