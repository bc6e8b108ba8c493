"""Service of documents (送达) and the proof each method needs (第十三条(五)).

1. 直接送达 (direct): a 送达回执 of the same matter, signed by the recipient.
2. 留置送达 (lodged): the circumstances, and photos, video or audio of the lodging.
3. 邮寄送达 (mail): the postage voucher (付邮凭证), and the return receipt (回执) or, when the
   post office sent it back, the circumstances of the return.
4. 传真、电子邮件送达 (electronic): never for a decision (行政执法决定书除外); a recording, SMS,
   screenshot or screen recording; for fax also the fax time and the recipient's fax number.
   The party agreed in a signed 电子送达确认书 first (行政处罚法 第六十一条).
5. 委托送达 (entrusted): a 送达回证 noting the entrusted person.
6. 公告送达 (public notice): reason, method and process, the text of the notice, and a
   screenshot, photo or video of it.

Evidence is referred to by digest — ``{"kind", "sha256", "description"}`` — until the evidence
store resolves references; the digest must be 64 lowercase hexadecimal characters.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.errors import Invalid, Refused, Unmet
from lawtrail.matters.models import Matter
from lawtrail.records.catalogue import RecordType
from lawtrail.records.fields import FieldError, parse_datetime
from lawtrail.records.models import Record, Service, Signature

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
FAX_NUMBER_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")
EVIDENCE_KINDS = (
    "photo",
    "video",
    "audio",
    "recording",
    "sms",
    "screenshot",
    "screen_recording",
    "document",
    "scan",
)
LODGED_KINDS = ("photo", "video", "audio")
ELECTRONIC_KINDS = ("recording", "sms", "screenshot", "screen_recording")
PUBLIC_NOTICE_KINDS = ("screenshot", "photo", "video")
PAPER_KINDS = ("photo", "scan", "document")
TEXT_MAX = 5000
RECIPIENT_MAX = 200
# A service is recorded after it happened; allow for clocks a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)

PROOF_KEYS = {
    Service.Method.DIRECT: set(),
    Service.Method.LODGED: {"circumstances", "evidence"},
    Service.Method.MAIL: {"postage_voucher", "return_receipt", "returned", "return_circumstances"},
    Service.Method.ELECTRONIC: {"evidence", "fax_time", "fax_number", "address"},
    Service.Method.ENTRUSTED: set(),
    Service.Method.PUBLIC_NOTICE: {"reason", "method", "process", "notice_text", "evidence"},
}


@dataclass
class ServiceInput:
    method: str
    served_at: datetime.datetime
    recipient: str
    channel: str = ""
    proof: dict[str, Any] = field(default_factory=dict)
    receipt_id: int | None = None


def _bad(path: str, message: str) -> Invalid:
    return Invalid(f"{path}: {message}", {path: [message]})


def clean_reference(value: Any, path: str, kinds: tuple[str, ...]) -> dict[str, str]:
    """An evidence reference ``{"kind", "sha256", "description"}`` with a well-formed digest."""
    if not isinstance(value, dict):
        raise _bad(path, _("Expected an evidence reference object."))
    unknown = set(value) - {"kind", "sha256", "description"}
    if unknown:
        raise _bad(f"{path}.{sorted(unknown)[0]}", _("Unknown field."))
    kind, digest = value.get("kind"), value.get("sha256")
    description = value.get("description", "")
    if kind not in kinds:
        raise _bad(f"{path}.kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(kinds)})
    if not isinstance(digest, str) or not SHA256_RE.match(digest):
        raise _bad(f"{path}.sha256", _("Expected 64 lowercase hexadecimal characters."))
    if not isinstance(description, str) or len(description) > TEXT_MAX:
        raise _bad(f"{path}.description", _("Expected text."))
    return {"kind": kind, "sha256": digest, "description": description.strip()}


def _references(proof: dict[str, Any], kinds: tuple[str, ...]) -> list[dict[str, str]]:
    value = proof.get("evidence")
    if not isinstance(value, list) or not value:
        raise _bad(
            "proof.evidence",
            _("At least one evidence reference of kind %(kinds)s is required.")
            % {"kinds": ", ".join(kinds)},
        )
    if len(value) > 100:
        raise _bad("proof.evidence", _("At most 100 references."))
    return [clean_reference(item, f"proof.evidence[{i}]", kinds) for i, item in enumerate(value)]


def _text(proof: dict[str, Any], name: str) -> str:
    value = proof.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"proof.{name}", _("This field is required."))
    if len(value) > TEXT_MAX:
        raise _bad(f"proof.{name}", _("Too long."))
    return value.strip()


def _clean_lodged(proof: dict[str, Any]) -> dict[str, Any]:
    return {
        "circumstances": _text(proof, "circumstances"),
        "evidence": _references(proof, LODGED_KINDS),
    }


def _clean_mail(proof: dict[str, Any]) -> dict[str, Any]:
    if "postage_voucher" not in proof:
        raise _bad("proof.postage_voucher", _("The postage voucher (付邮凭证) is required."))
    cleaned: dict[str, Any] = {
        "postage_voucher": clean_reference(
            proof["postage_voucher"], "proof.postage_voucher", PAPER_KINDS
        )
    }
    returned = proof.get("returned", False)
    if not isinstance(returned, bool):
        raise _bad("proof.returned", _("Expected true or false."))
    if returned:
        if "return_receipt" in proof:
            raise _bad("proof.return_receipt", _("A returned letter has no return receipt."))
        cleaned["returned"] = True
        cleaned["return_circumstances"] = _text(proof, "return_circumstances")
        return cleaned
    if "return_receipt" not in proof:
        raise _bad(
            "proof.return_receipt",
            _("Keep the return receipt (回执), or record that the post office returned it."),
        )
    if "return_circumstances" in proof:
        raise _bad("proof.return_circumstances", _("Only for a returned letter."))
    cleaned["return_receipt"] = clean_reference(
        proof["return_receipt"], "proof.return_receipt", PAPER_KINDS
    )
    return cleaned


def _clean_electronic(proof: dict[str, Any], channel: str) -> dict[str, Any]:
    cleaned: dict[str, Any] = {"evidence": _references(proof, ELECTRONIC_KINDS)}
    if "address" in proof:
        cleaned["address"] = _text(proof, "address")
    if channel == Service.Channel.FAX:
        try:
            fax_time = parse_datetime(proof.get("fax_time"))
        except FieldError as error:
            raise _bad("proof.fax_time", str(error)) from None
        cleaned["fax_time"] = timezone.localtime(fax_time).isoformat()
        number = proof.get("fax_number")
        if not isinstance(number, str) or not FAX_NUMBER_RE.match(number.strip()):
            raise _bad("proof.fax_number", _("The recipient's fax number is required."))
        cleaned["fax_number"] = number.strip()
    else:
        for name in ("fax_time", "fax_number"):
            if name in proof:
                raise _bad(f"proof.{name}", _("Only for service by fax."))
    return cleaned


def _clean_public_notice(proof: dict[str, Any]) -> dict[str, Any]:
    return {
        "reason": _text(proof, "reason"),
        "method": _text(proof, "method"),
        "process": _text(proof, "process"),
        "notice_text": _text(proof, "notice_text"),
        "evidence": _references(proof, PUBLIC_NOTICE_KINDS),
    }


def signed_by_party_side(record: Record, roles: tuple[str, ...]) -> bool:
    """Whether the record's current version carries a ``signed`` signature in one of ``roles``."""
    return (
        record.current_version()
        .signatures.filter(signer_role__in=roles, status=Signature.Status.SIGNED)
        .exists()
    )


def _receipt(matter: Matter, record: Record, receipt_id: int | None, *, entrusted: bool) -> Record:
    if receipt_id is None:
        raise _bad("receipt_id", _("The service receipt (送达回执) is required."))
    receipt = Record.objects.filter(
        pk=receipt_id, matter=matter, record_type="service_receipt"
    ).first()
    if receipt is None:
        raise _bad("receipt_id", _("No service receipt of this matter has that id."))
    if not signed_by_party_side(receipt, ("recipient",)):
        raise _bad("receipt_id", _("The recipient has not signed the service receipt."))
    fields = receipt.current_version().fields
    if fields.get("method") != ("委托送达" if entrusted else "直接送达"):
        raise _bad(
            "receipt_id",
            _("The service receipt records another method of service (%(method)s).")
            % {"method": fields.get("method", "")},
        )
    if record.number and not any(record.number in item for item in fields["served_documents"]):
        raise _bad(
            "receipt_id",
            _("The service receipt does not name the document %(number)s.")
            % {"number": record.number},
        )
    if entrusted and not fields.get("entrusted_person"):
        raise _bad(
            "receipt_id",
            _("The service receipt does not note the entrusted person (第十三条(五)5)."),
        )
    return receipt


def _consented(matter: Matter, channel: str) -> bool:
    """行政处罚法 第六十一条: the party agreed to electronic service in a signed 确认书."""
    wanted = "传真" if channel == Service.Channel.FAX else "电子邮件"
    for consent in Record.objects.filter(matter=matter, record_type="electronic_service_consent"):
        version = consent.current_version()
        if version.fields.get("channel") == wanted and signed_by_party_side(consent, ("party",)):
            return True
    return False


@dataclass(frozen=True)
class CleanService:
    method: str
    channel: str
    served_at: datetime.datetime
    recipient: str
    proof: dict[str, Any]
    receipt: Record | None


def clean_service(
    matter: Matter, record: Record, record_type: RecordType, data: ServiceInput
) -> CleanService:
    """Check a service and its proof against 第十三条(五); ``Refused`` for what the rules forbid."""
    if not record_type.served:
        raise Refused(
            _("A %(type)s is not a document served on the party.") % {"type": record_type.name},
            [Unmet("service.not_served_type", "第十三条(五)", _("Not a document that is served."))],
        )
    if data.method not in Service.Method.values:
        raise _bad("method", _("Unknown method of service."))
    recipient = data.recipient.strip() if isinstance(data.recipient, str) else ""
    if not recipient:
        raise _bad("recipient", _("This field is required."))
    if len(recipient) > RECIPIENT_MAX:
        raise _bad("recipient", _("Too long."))
    if not isinstance(data.served_at, datetime.datetime):
        raise _bad("served_at", _("Expected a date and time."))
    served_at = data.served_at
    if timezone.is_naive(served_at):
        served_at = timezone.make_aware(served_at)
    if served_at > timezone.now() + CLOCK_SKEW:
        raise _bad("served_at", _("A service is recorded after it happened, not before."))
    if not isinstance(data.proof, dict):
        raise _bad("proof", _("Expected an object."))
    method, proof = data.method, data.proof
    unknown = set(proof) - PROOF_KEYS[Service.Method(method)]
    if unknown:
        raise _bad(f"proof.{sorted(unknown)[0]}", _("Unknown field for this method of service."))
    channel = data.channel or ""
    if method == Service.Method.ELECTRONIC:
        if channel not in (Service.Channel.FAX, Service.Channel.EMAIL):
            raise _bad("channel", _("Electronic service goes by fax or e-mail."))
    elif channel:
        raise _bad("channel", _("Only electronic service has a channel."))
    if method in (Service.Method.DIRECT, Service.Method.ENTRUSTED):
        receipt = _receipt(
            matter, record, data.receipt_id, entrusted=method == Service.Method.ENTRUSTED
        )
        return CleanService(method, channel, served_at, recipient, {}, receipt)
    if data.receipt_id is not None:
        raise _bad("receipt_id", _("Only direct and entrusted service take a receipt."))
    if method == Service.Method.LODGED:
        cleaned = _clean_lodged(proof)
    elif method == Service.Method.MAIL:
        cleaned = _clean_mail(proof)
    elif method == Service.Method.PUBLIC_NOTICE:
        cleaned = _clean_public_notice(proof)
    else:
        if record_type.is_decision:
            raise Refused(
                _("A decision is never served by fax or e-mail (第十三条(五)4)."),
                [
                    Unmet(
                        "service.electronic_decision",
                        "第十三条(五)4",
                        _("行政执法决定书 cannot be served by fax or e-mail."),
                    )
                ],
            )
        cleaned = _clean_electronic(proof, channel)
        if not _consented(matter, channel):
            raise Refused(
                _("The party has not agreed to electronic service in a signed confirmation."),
                [
                    Unmet(
                        "service.electronic_consent",
                        "第十三条(五)4; 行政处罚法 第六十一条",
                        _("No signed 电子送达确认书 for this channel."),
                    )
                ],
            )
    return CleanService(method, channel, served_at, recipient, cleaned, None)
