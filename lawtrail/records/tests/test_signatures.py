"""第十三条(三): the party signs the records touching their rights, or the refusal is recorded."""

from __future__ import annotations

import hashlib

import pytest

from lawtrail.errors import Forbidden, Invalid, NotFound, Refused
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.models import Record, Signature
from lawtrail.records.signatures import MAX_IMAGE_BYTES, decode_image
from lawtrail.records.tests.helpers import fields, png, sign, write
from lawtrail.testing import Province


def signature(
    role: str = "interviewee", name: str = "赵某", **kw: object
) -> actions.SignatureInput:
    data: dict[str, object] = {"status": "signed", "image_png": png()}
    data.update(kw)
    return actions.SignatureInput(signer_role=role, signer_name=name, **data)  # type: ignore[arg-type]


def refused_with(
    p: Province, record: Record, data: actions.SignatureInput, user: object = None
) -> Invalid:
    before = (Signature.objects.count(), Event.objects.count())
    with pytest.raises(Invalid) as error:
        actions.sign_record(user or p.officer_a.user, record, data)
    assert (Signature.objects.count(), Event.objects.count()) == before
    return error.value


@pytest.mark.django_db
def test_a_signature_keeps_the_png_and_its_digest(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    image = png(120, 40)
    saved = actions.sign_record(province.officer_a.user, record, signature(image_png=image))
    saved.refresh_from_db()
    assert bytes(saved.image) == image
    assert saved.image_sha256 == hashlib.sha256(image).hexdigest()
    assert saved.version == record.current_version() and saved.recorded_by == province.officer_a
    event = Event.objects.get(action="record.signed")
    assert saved.image_sha256 in bytes(event.body).decode()
    assert record.current_version().digest in bytes(event.body).decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "image",
    [
        b"GIF89a" + b"\x00" * 100,
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # JPEG
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # PNG magic, no IHDR
        png()[:-12],  # cut short: no IEND
        b"",
    ],
)
def test_an_image_that_is_not_a_png_is_refused(
    province: Province, matter: Matter, image: bytes
) -> None:
    record = write(province, matter, "inquiry")
    error = refused_with(province, record, signature(image_png=image))
    assert "image_png" in error.fields


@pytest.mark.django_db
def test_an_image_over_the_limit_is_refused(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    big = png()[:-12] + b"\x00" * MAX_IMAGE_BYTES + png()[-12:]
    error = refused_with(province, record, signature(image_png=big))
    assert list(error.fields) == ["image_png"]


def test_a_data_url_from_the_signing_pad_is_decoded() -> None:
    import base64

    image = png()
    assert decode_image("data:image/png;base64," + base64.b64encode(image).decode()) == image
    with pytest.raises(Invalid):
        decode_image("data:image/jpeg;base64," + base64.b64encode(image).decode())
    with pytest.raises(Invalid):
        decode_image("not base64 at all!")


@pytest.mark.django_db
def test_a_refusal_without_circumstances_is_refused(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    error = refused_with(
        province,
        record,
        signature(status="refused", image_png=None, witness_ids=[province.officer_a2.pk]),
    )
    assert "circumstances" in error.fields


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["refused", "unable"])
def test_a_refusal_or_inability_needs_a_witnessing_handler(
    province: Province, matter: Matter, status: str
) -> None:
    record = write(province, matter, "inquiry")
    error = refused_with(
        province,
        record,
        signature(status=status, image_png=None, circumstances="当事人拒绝签字"),
    )
    assert "witness_ids" in error.fields
    for outsider in (province.head_a, province.officer_b, province.assistant_a):
        error = refused_with(
            province,
            record,
            signature(
                status=status,
                image_png=None,
                circumstances="当事人拒绝签字",
                witness_ids=[outsider.pk],
            ),
        )
        assert "witness_ids" in error.fields


@pytest.mark.django_db
def test_a_refusal_is_recorded_with_its_witnesses(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    saved = sign(
        province,
        record,
        "interviewee",
        status="refused",
        circumstances="当事人拒绝在笔录上签字",
        witnesses=[province.officer_a2.pk],
    )
    assert saved.status == "refused" and saved.image is None and saved.image_sha256 == ""
    assert list(saved.witnesses.all()) == [province.officer_a2]
    body = bytes(Event.objects.get(action="record.signed").body).decode()
    assert "当事人拒绝在笔录上签字" in body and province.officer_a2.name in body


@pytest.mark.django_db
def test_a_refusal_carries_no_image(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    error = refused_with(
        province,
        record,
        signature(status="refused", circumstances="拒签", witness_ids=[province.officer_a2.pk]),
    )
    assert "image_png" in error.fields


@pytest.mark.django_db
def test_a_signature_needs_an_image_and_a_name(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    assert "image_png" in refused_with(province, record, signature(image_png=None)).fields
    assert "signer_name" in refused_with(province, record, signature(name=" ")).fields


@pytest.mark.django_db
def test_a_role_that_does_not_sign_this_type_is_refused(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    assert "signer_role" in refused_with(province, record, signature(role="recipient")).fields
    assert "signer_role" in refused_with(province, record, signature(role="emperor")).fields


@pytest.mark.django_db
def test_an_officer_signs_with_their_own_login(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    mine = actions.sign_record(province.officer_a2.user, record, signature("officer", name=""))
    assert mine.signer_officer == province.officer_a2 and mine.signer_name == "李华"
    error = refused_with(province, record, signature("officer", name=province.officer_a2.name))
    assert "signer_name" in error.fields


@pytest.mark.django_db
def test_an_officer_cannot_refuse_to_sign(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    error = refused_with(
        province,
        record,
        signature(
            "officer",
            name="",
            status="refused",
            image_png=None,
            circumstances="x",
            witness_ids=[province.officer_a2.pk],
        ),
    )
    assert "status" in error.fields


@pytest.mark.django_db
def test_only_the_head_signs_as_head(province: Province, matter: Matter) -> None:
    record = write(province, matter, "decision")
    with pytest.raises(Forbidden):
        actions.sign_record(province.officer_a.user, record, signature("head", name=""))
    saved = actions.sign_record(province.head_a.user, record, signature("head", name=""))
    assert saved.signer_officer == province.head_a


@pytest.mark.django_db
def test_the_legal_reviewer_signs_the_review_opinion(province: Province, matter: Matter) -> None:
    record = actions.create_record(
        province.reviewer_a.user, matter, "legal_review_opinion", fields("legal_review_opinion")
    )
    saved = actions.sign_record(
        province.reviewer_a.user, record, signature("legal_reviewer", name="")
    )
    assert saved.signer_officer == province.reviewer_a
    with pytest.raises(Forbidden):
        actions.sign_record(province.officer_a.user, record, signature("legal_reviewer", name=""))


@pytest.mark.django_db
def test_the_hearing_host_is_not_an_investigator(province: Province, matter: Matter) -> None:
    """行政处罚法 第六十四条(四): the host did not investigate the case."""
    record = write(province, matter, "hearing_record")
    with pytest.raises(Forbidden):
        actions.sign_record(province.officer_a.user, record, signature("hearing_host", name=""))
    saved = actions.sign_record(province.head_a.user, record, signature("hearing_host", name=""))
    assert saved.signer_name == province.head_a.name


@pytest.mark.django_db
def test_the_same_person_signs_a_version_once(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    sign(province, record, "interviewee")
    assert "signer_name" in refused_with(province, record, signature()).fields


@pytest.mark.django_db
def test_a_party_who_refused_may_still_sign_later(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    sign(
        province,
        record,
        "interviewee",
        status="refused",
        circumstances="先拒签",
        witnesses=[province.officer_a2.pk],
    )
    assert sign(province, record, "interviewee").status == "signed"


@pytest.mark.django_db
def test_people_outside_the_matter_cannot_record_signatures(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "inquiry")
    with pytest.raises(NotFound):
        actions.sign_record(province.officer_b.user, record, signature())
    with pytest.raises(Forbidden):
        actions.sign_record(province.assistant_a.user, record, signature())


@pytest.mark.django_db
def test_an_archived_matters_records_are_not_signed(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    Matter.objects.filter(pk=matter.pk).update(stage="archiving")
    with pytest.raises(Refused) as error:
        actions.sign_record(province.officer_a.user, record, signature())
    assert [u.code for u in error.value.unmet] == ["records.matter_archived"]
