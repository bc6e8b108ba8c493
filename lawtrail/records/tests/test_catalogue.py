"""The catalogue of record types is data (catalogue.json), covering 第十三条 and §(b)."""

from __future__ import annotations

import json

import pytest

from lawtrail.errors import Invalid
from lawtrail.records import catalogue
from lawtrail.records.tests.helpers import FIELDS

REQUIRED_TYPES = {
    "on_site_inspection",
    "inquiry",
    "sampling_list",
    "seizure_decision",
    "seizure_inventory",
    "hearing_notice",
    "hearing_record",
    "testing_commission",
    "statement_notice",
    "statement_record",
    "statement_waiver",
    "decision",
    "legal_review_opinion",
    "collective_discussion",
    "service_receipt",
    "reminder",
    "enforcement_application",
    "inspection_refusal",
    "case_acceptance",
    "filing_report",
    "supervision_opinion",
    "electronic_service_consent",
}

# 第十三条(三): the records that need the party's signature or a recorded refusal.
TOUCHING = {
    "inquiry",
    "on_site_inspection",
    "sampling_list",
    "seizure_inventory",
    "hearing_record",
    "statement_record",
    "statement_waiver",
    "evidence_preservation",  # its 物品清单 is signed by the party (行政处罚法 第五十六条)
    "hearing_request",  # the party's own request or waiver, like statement_waiver
}


def test_it_covers_every_record_of_article_13_and_the_rules_catalogue() -> None:
    assert {t.code for t in catalogue.all_types()} >= REQUIRED_TYPES


def test_the_test_data_has_valid_fields_for_every_type() -> None:
    assert set(FIELDS) == {t.code for t in catalogue.all_types()}


def test_exactly_the_records_of_article_13_3_touch_a_partys_rights() -> None:
    touching = {t.code for t in catalogue.all_types() if t.touches_party_rights}
    assert touching == TOUCHING
    for code in TOUCHING:
        assert catalogue.get_type(code).party_signers(), code


def test_every_type_names_its_source_article_and_labels_its_fields_in_chinese() -> None:
    for record_type in catalogue.all_types():
        assert record_type.article.startswith("第") and "条" in record_type.article
        assert any("\u4e00" <= ch <= "\u9fff" for ch in record_type.name)
        for spec in record_type.fields:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.label), spec.name
            assert spec.type in catalogue.FIELD_TYPES
        assert record_type.signers


def test_decision_documents_are_marked_and_numbered() -> None:
    decision = catalogue.get_type("decision")
    assert decision.is_decision and decision.number_nature == "罚"
    assert decision.nature_for("license", {}) == "许决"
    assert catalogue.get_type("statement_notice").number_nature == "告"
    assert catalogue.get_type("inquiry").number_nature is None


def test_seizure_numbers_follow_the_measure() -> None:
    seizure = catalogue.get_type("seizure_decision")
    assert seizure.nature_for("penalty", {"measure": "查封"}) == "封"
    assert seizure.nature_for("penalty", {"measure": "扣押"}) == "扣"


def test_an_unknown_code_is_refused_naming_the_record_type() -> None:
    with pytest.raises(Invalid) as error:
        catalogue.get_type("minutes_of_lunch")
    assert "record_type" in error.value.fields


def test_a_broken_catalogue_is_refused_when_loaded() -> None:
    data = json.loads(catalogue.CATALOGUE_PATH.read_text(encoding="utf-8"))
    data["types"][0]["fields"][0]["type"] = "colour"
    with pytest.raises(catalogue.CatalogueError, match="unknown field type"):
        catalogue.parse(data)
    data = json.loads(catalogue.CATALOGUE_PATH.read_text(encoding="utf-8"))
    inquiry = next(t for t in data["types"] if t["code"] == "inquiry")
    inquiry["signers"] = ["officer"]
    with pytest.raises(catalogue.CatalogueError, match="no party-side signer"):
        catalogue.parse(data)
