"""A record's PDF kept as evidence (第八条, 第十八条, 第二十六条) and the document endpoints:
digests recomputed from the store, the ledger events, refusals that write nothing."""

from __future__ import annotations

import hashlib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, clear_url_caches, path, resolve
from ninja import NinjaAPI

from lawtrail.api.api import api
from lawtrail.archive.documents import record_pdf
from lawtrail.archive.rendering import RENDERED, store_record_pdf
from lawtrail.errors import NotFound
from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.evidence.tests.fixtures import counts, evidence_home  # noqa: F401
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, fast_password_hashing  # noqa: F401
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import open_matter, write
from lawtrail.storage import default_store
from lawtrail.testing import Province


def stored_sha256(sha256: str) -> str:
    digest = hashlib.sha256()
    with default_store().open(sha256) as f:
        while chunk := f.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


def stored_sm3(sha256: str) -> str:
    digest = hashlib.new("sm3")
    with default_store().open(sha256) as f:
        digest.update(f.read())
    return digest.hexdigest()


def actions_of(record: Record) -> list[str]:
    return list(
        Event.objects.filter(context=record.matter.context)
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.fixture
def decision(province: Province, evidence_home: Path) -> Record:  # noqa: F811
    p = province
    return write(p, open_matter(p), "decision")


def test_the_pdf_is_stored_as_evidence_with_its_digests(
    province: Province, decision: Record
) -> None:
    """第十八条: the printed document joins the case file with SHA-256 and SM3."""
    p = province
    before = actions_of(decision)
    evidence = store_record_pdf(p.officer_a.user, decision)
    expected = record_pdf(decision)
    assert evidence.kind == Evidence.Kind.DOCUMENT
    assert evidence.sha256 == hashlib.sha256(expected).hexdigest() == stored_sha256(evidence.sha256)
    assert evidence.sm3 == stored_sm3(evidence.sha256)
    assert evidence.size == len(expected)
    assert Binding.objects.get(evidence=evidence).matter_id == decision.matter_id
    acquisition = Acquisition.objects.get(evidence=evidence)
    assert acquisition.filename == "新卫罚〔2026〕1号-行政执法决定书-第1版.pdf"
    new = actions_of(decision)[len(before) :]
    assert new == ["evidence.stored", "evidence.acquired", "evidence.bound", RENDERED]
    rendered = Event.objects.get(action=RENDERED)
    assert rendered.object_id == str(decision.pk)
    assert f'"sha256":"{evidence.sha256}"'.encode() in bytes(rendered.body)
    assert b'"version":1' in bytes(rendered.body)


def test_storing_the_same_version_twice_writes_nothing_more(
    province: Province, decision: Record
) -> None:
    p = province
    first = store_record_pdf(p.officer_a.user, decision)
    before = counts()
    assert store_record_pdf(p.head_a.user, decision) == first
    assert counts() == before


def test_a_correction_is_stored_as_a_new_document(province: Province, decision: Record) -> None:
    from lawtrail.records import actions

    p = province
    first = store_record_pdf(p.officer_a.user, decision)
    fields = dict(decision.current_version().fields, amount="6000")
    actions.correct_record(p.head_a.user, decision, fields, "金额更正。")
    second = store_record_pdf(p.officer_a.user, decision)
    assert second.pk != first.pk
    assert Event.objects.filter(action=RENDERED).count() == 2


def test_an_officer_of_another_county_is_refused_and_nothing_is_written(
    province: Province, decision: Record
) -> None:
    """Invariant 7: county A's record does not exist for officer_b."""
    before = counts()
    with pytest.raises(NotFound):
        store_record_pdf(province.officer_b.user, decision)
    assert counts() == before


def test_an_assistant_cannot_store_the_pdf(province: Province, decision: Record) -> None:
    from lawtrail.errors import ActionError

    before = counts()
    with pytest.raises(ActionError) as caught:
        store_record_pdf(province.assistant_a.user, decision)
    assert caught.value.status in (403, 404)
    assert counts() == before


# ---------------------------------------------------------------- the endpoints


@pytest.fixture
def documents_api(settings: Any) -> Iterator[None]:
    """The real API when ``lawtrail.api.documents.router`` is mounted there; until then the
    same router behind an API with the real one's authentication, parser and error handlers."""
    import lawtrail.urls  # mounts every router, as the server does

    try:
        mounted = resolve("/api/v1/records/1/pdf").url_name == "get_record_pdf"
    except Resolver404:
        mounted = False
    if mounted:
        yield
        return
    from lawtrail.api.documents import router

    under_test = NinjaAPI(auth=api.auth, parser=api.parser, urls_namespace="documents-under-test")
    under_test._exception_handlers.update(api._exception_handlers)
    under_test.add_router("/", router)
    urlconf = types.ModuleType("documents_urls_under_test")
    urlconf.urlpatterns = [path("api/v1/", under_test.urls), *lawtrail.urls.urlpatterns]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = urlconf
    clear_url_caches()
    yield
    clear_url_caches()


def url(record: Record | int) -> str:
    return f"/api/v1/records/{getattr(record, 'pk', record)}/pdf"


def test_get_streams_the_pdf_and_notes_the_reading(
    province: Province, decision: Record, documents_api: None
) -> None:
    """第二十条: reading a record, also as PDF, is a ledger event."""
    response = api_client(province.officer_a2).get(url(decision))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response.content == record_pdf(decision)
    assert actions_of(decision)[-1] == "record.viewed"


def test_post_stores_the_pdf_and_answers_with_its_digests(
    province: Province, decision: Record, documents_api: None
) -> None:
    client = api_client(province.officer_a)
    response = client.post(url(decision), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    evidence = Evidence.objects.get(pk=body["evidence_id"])
    assert body["sha256"] == evidence.sha256 == stored_sha256(evidence.sha256)
    assert body["sm3"] == evidence.sm3
    assert body["version"] == 1 and body["record_id"] == decision.pk
    again = client.post(url(decision), content_type="application/json")
    assert again.status_code == 200 and again.json() == body


def test_the_endpoints_refuse_outsiders_and_bad_ids(
    province: Province, decision: Record, documents_api: None
) -> None:
    outsider = api_client(province.officer_b)
    assistant = api_client(province.assistant_a)  # a token is an event: made before counting
    before = counts()
    assert outsider.get(url(decision)).status_code == 404
    assert outsider.post(url(decision), content_type="application/json").status_code == 404
    assert counts() == before
    assert assistant.post(url(decision), content_type="application/json").status_code in (
        403,
        404,
    )
    assert counts() == before
    client = api_client(province.officer_a)
    assert client.get(url(999999)).status_code == 404
    assert client.get("/api/v1/records/abc/pdf").status_code in (404, 422)
    assert Client().get(url(decision)).status_code == 401
