"""Signing with the pad, or recording a refusal with circumstances and witnesses (第十三条(三))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.records.models import Signature
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import png_data_url, tiny_png


def url(matter: Matter, record: Any) -> str:
    return f"/matters/{matter.pk}/records/{record.pk}/sign/"


def test_the_page_has_a_signature_pad(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    body = login("officer_a").get(url(matter_a, inspection_record)).content.decode()
    assert "<canvas" in body and "data-sigpad" in body
    assert 'name="image_png"' in body
    assert "signature.js" in body


def test_the_party_signs_on_the_pad(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {
            "signer_role": "party",
            "signer_name": "王某",
            "status": "signed",
            "image_png": png_data_url(),
        },
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert bytes(signature.image) == tiny_png()
    body = login("officer_a").get(response["Location"]).content.decode()
    assert "data:image/png;base64," in body


def test_an_officer_signs_in_their_own_name(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any, province: Province
) -> None:
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {
            "signer_role": "officer",
            "signer_name": "",
            "status": "signed",
            "image_png": png_data_url(),
        },
    )
    assert response.status_code == 302
    assert Signature.objects.get().signer_officer == province.officer_a


def test_signing_without_drawing_is_refused(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {"signer_role": "party", "signer_name": "王某", "status": "signed", "image_png": ""},
    )
    assert response.status_code == 422
    assert "请在签字板上签名" in response.content.decode()
    assert event_count() == before


def test_a_broken_image_is_refused(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {
            "signer_role": "party",
            "signer_name": "王某",
            "status": "signed",
            "image_png": png_data_url(b"\x89PNG\r\n\x1a\nnot really"),
        },
    )
    assert response.status_code == 422
    assert event_count() == before


def test_a_refusal_is_recorded_with_witnesses(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any, province: Province
) -> None:
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {
            "signer_role": "party",
            "signer_name": "王某",
            "status": "refused",
            "circumstances": "当事人称不认可检查结果，拒绝签字。",
            "witness_ids": [province.officer_a2.pk],
        },
    )
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.status == "refused"
    assert list(signature.witnesses.all()) == [province.officer_a2]


def test_a_refusal_without_witnesses_changes_nothing(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, inspection_record),
        {
            "signer_role": "party",
            "signer_name": "王某",
            "status": "refused",
            "circumstances": "拒绝签字。",
        },
    )
    assert response.status_code == 422
    assert "见证" in response.content.decode()
    assert event_count() == before


def test_officer_b_gets_404(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    assert login("officer_b").get(url(matter_a, inspection_record)).status_code == 404
