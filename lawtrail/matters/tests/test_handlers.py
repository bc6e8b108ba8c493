"""承办人: adding handlers to a matter (第十条)."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.matters import actions
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter, snapshot
from lawtrail.testing import Province


@pytest.fixture
def matter(province: Province) -> Matter:
    return open_matter(province, handlers=[province.officer_a.pk])


def test_a_handler_adds_an_officer_of_the_agency(province: Province, matter: Matter) -> None:
    handler = actions.add_handler(province.officer_a.user, matter, province.officer_a2.pk)
    assert handler.officer == province.officer_a2
    assert handler.is_lead is False
    assert matter.handlers.count() == 2


def test_a_new_lead_replaces_the_old_one(province: Province, matter: Matter) -> None:
    actions.add_handler(province.officer_a.user, matter, province.officer_a2.pk, lead=True)
    assert [h.officer for h in matter.handlers.filter(is_lead=True)] == [province.officer_a2]


def test_an_assistant_may_be_added_but_never_as_lead(province: Province, matter: Matter) -> None:
    """第十条: assistants (协助人员) help record; the responsible officer holds a certificate."""
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.add_handler(province.officer_a.user, matter, province.assistant_a.pk, lead=True)
    assert "lead" in refused.value.fields
    assert snapshot() == before
    assert matter.handlers.get(is_lead=True).officer == province.officer_a
    helper = actions.add_handler(province.officer_a.user, matter, province.assistant_a.pk)
    assert helper.is_lead is False


def test_an_officer_of_another_agency_is_refused(province: Province, matter: Matter) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.add_handler(province.officer_a.user, matter, province.officer_b.pk)
    assert "handlers" in refused.value.fields
    assert snapshot() == before


def test_an_unknown_officer_is_refused(province: Province, matter: Matter) -> None:
    with pytest.raises(Invalid):
        actions.add_handler(province.officer_a.user, matter, 999_999)


def test_someone_without_the_officer_role_is_refused(province: Province, matter: Matter) -> None:
    with pytest.raises(Invalid):
        actions.add_handler(province.officer_a.user, matter, province.reviewer_a.pk)


def test_the_same_officer_is_added_once(province: Province, matter: Matter) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.add_handler(province.officer_a.user, matter, province.officer_a.pk)
    assert "officer" in refused.value.fields
    assert snapshot() == before
