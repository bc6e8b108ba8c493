"""The whole-process timeline of a matter (第三条): its ledger events in order, made readable.

Each action code gets a translated label and each payload a one-line summary. An action this
module does not know yet is still shown, with its code and its payload's keys and values, so
nothing recorded is ever hidden from the timeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lawtrail.agencies.models import Officer
from lawtrail.archive.models import PackageCheck, Retention
from lawtrail.compliance.rules import rule_specs
from lawtrail.errors import ActionError
from lawtrail.evidence.models import Acquisition, Derivative, Evidence
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Approval, Kind, Party, Procedure, Stage
from lawtrail.records.catalogue import get_type, signer_role
from lawtrail.records.models import Service, Signature
from lawtrail.replication.models import ReplicaCopy

ACTION_LABELS: dict[str, Promise] = {
    "matter.opened": gettext_lazy("Matter opened"),
    "matter.handler_added": gettext_lazy("Handler added"),
    "matter.party_added": gettext_lazy("Party added"),
    "matter.gis_point_added": gettext_lazy("GIS point added"),
    "matter.stage_advanced": gettext_lazy("Stage advanced"),
    "matter.returned_for_investigation": gettext_lazy("Returned for further investigation"),
    "matter.review_requirements_set": gettext_lazy("Review requirements set"),
    "approval.requested": gettext_lazy("Approval requested"),
    "approval.decided": gettext_lazy("Approval decided"),
    "record.created": gettext_lazy("Record made"),
    "record.corrected": gettext_lazy("Record corrected (new version)"),
    "record.signed": gettext_lazy("Record signed"),
    "record.served": gettext_lazy("Document served"),
    "record.viewed": gettext_lazy("Record viewed"),
    "matter.viewed": gettext_lazy("Case file consulted"),
    "evidence.stored": gettext_lazy("Evidence stored"),
    "evidence.acquired": gettext_lazy("Evidence acquired"),
    "evidence.bound": gettext_lazy("Evidence bound to the matter"),
    "evidence.binding_refused": gettext_lazy("Binding of evidence refused"),
    "evidence.original_downloaded": gettext_lazy("Original downloaded"),
    "evidence.original_download_refused": gettext_lazy("Download of the original refused"),
    "derivative.made": gettext_lazy("Watermarked working copy made"),
    "evidence.viewed": gettext_lazy("Evidence consulted"),
    "evidence.working_copy_played": gettext_lazy("Working copy played"),
    "evidence.working_copy_refused": gettext_lazy("Playing the working copy refused"),
    "access.matter_level_set": gettext_lazy("Confidentiality level of the matter set"),
    "access.evidence_level_set": gettext_lazy("Confidentiality level of evidence set"),
    "access.requested": gettext_lazy("Access requested"),
    "access.approved": gettext_lazy("Access approved"),
    "access.refused": gettext_lazy("Access refused"),
    "access.grant_revoked": gettext_lazy("Access grant revoked"),
    "upload.created": gettext_lazy("Upload started"),
    "upload.completed": gettext_lazy("Upload complete"),
    "upload.terminated": gettext_lazy("Upload terminated"),
    "upload.expired": gettext_lazy("Abandoned upload expired"),
    "upload.ingest_failed": gettext_lazy("Ingest of an upload failed"),
    "device.registered": gettext_lazy("Device registered"),
    "device.assigned": gettext_lazy("Device assigned"),
    "device.unassigned": gettext_lazy("Device taken back"),
    "device.status_changed": gettext_lazy("Device status changed"),
    "station.registered": gettext_lazy("Collection station registered"),
    "station.revoked": gettext_lazy("Collection station revoked"),
    "dock.started": gettext_lazy("Device docked at a station"),
    "dock.ended": gettext_lazy("Device undocked"),
    "record.view_refused": gettext_lazy("Reading of a record refused (confidentiality)"),
    "package.built": gettext_lazy("Copy package made for a recipient"),
    "package.downloaded": gettext_lazy("Copy package handed over (downloaded)"),
    "record.rendered": gettext_lazy("Record rendered as PDF into the case file"),
    "archive.package.created": gettext_lazy("Case file archived (archive package made)"),
    "archive.package.checked": gettext_lazy("Archive package checked"),
    "compliance.findings.opened": gettext_lazy("Compliance finding opened"),
    "compliance.findings.closed": gettext_lazy("Compliance finding closed"),
    "compliance.finding.explained": gettext_lazy("Compliance finding explained"),
    "compliance.audit.checked": gettext_lazy("Internal audit checklist recorded"),
    "replica.marked": gettext_lazy("Evidence marked for the provincial copy"),
    "replica.copied": gettext_lazy("Copied to the provincial replica"),
    "replica.source_corrupt": gettext_lazy(
        "Provincial copy refused: the original fails its digest"
    ),
    "replica.read_back_failed": gettext_lazy("Provincial copy failed: read back differs"),
    "replica.replica_unreachable": gettext_lazy("Provincial replica unreachable"),
    "replica.witness_refused": gettext_lazy("Provincial witness refused to co-sign"),
}

# A refusal or an inability is the same action as a signature, but reads differently.
SIGNATURE_LABELS: dict[str, Promise] = {
    "refused": gettext_lazy("Refusal to sign recorded"),
    "unable": gettext_lazy("Inability to sign recorded"),
}


@dataclass
class Entry:
    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: str
    label: str
    summary: str
    object: str


def action_label(action: str, payload: dict[str, Any] | None = None) -> str:
    if action == "record.signed" and payload and payload.get("status") in SIGNATURE_LABELS:
        return str(SIGNATURE_LABELS[payload["status"]])
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def mask_id(value: str) -> str:
    """Hide the middle of a resident ID number (第二十一条, personal privacy)."""
    if len(value) == 18 and value[:17].isdigit():
        return f"{value[:6]}********{value[14:]}"
    return value


def record_type_name(code: str) -> str:
    try:
        return str(get_type(code).name)
    except ActionError:  # an unknown or retired code still shows as itself
        return code


def _opened(p: dict[str, Any]) -> str:
    parts = [
        choice_label(Kind, p.get("kind")),
        choice_label(Procedure, p.get("procedure", "general")),
        f"{p.get('number', '')} {p.get('title', '')}".strip(),
        _("place: %(place)s") % {"place": p.get("place", "")},
    ]
    parties = [
        f"{q.get('name', '')} ({mask_id(str(q.get('id', '')))})" for q in p.get("parties", [])
    ]
    if parties:
        parties_text = "、".join(parties)
        parts.append(_("parties: %(parties)s") % {"parties": parties_text})
    handlers = [
        h.get("name", "") + (_(" (lead)") if h.get("lead") else "") for h in p.get("handlers", [])
    ]
    if handlers:
        parts.append(_("handlers: %(names)s") % {"names": "、".join(handlers)})
    for point in p.get("gis_points", []):
        parts.append(_("GIS %(wgs84)s (WGS-84)") % {"wgs84": point.get("wgs84", "")})
    flags = p.get("av_flags", [])
    if flags:
        parts.append(_("audio/video recording mandatory (第十四条)"))
    return "; ".join(x for x in parts if x)


def _stage(p: dict[str, Any]) -> str:
    text = f"{choice_label(Stage, p.get('from'))} → {choice_label(Stage, p.get('to'))}"
    if p.get("reason"):
        text += "; " + _("reason: %(reason)s") % {"reason": p["reason"]}
    return text


def _handler(p: dict[str, Any]) -> str:
    return str(p.get("name", "")) + (_(" (lead)") if p.get("lead") else "")


def _party(p: dict[str, Any]) -> str:
    return (
        f"{p.get('name', '')} ({choice_label(Party.Type, p.get('type'))}, "
        f"{mask_id(str(p.get('id', '')))})"
    )


def _gis(p: dict[str, Any]) -> str:
    text = _("%(wgs84)s (WGS-84); given as %(given)s") % {
        "wgs84": p.get("wgs84", ""),
        "given": p.get("given", ""),
    }
    return f"{p['label']}: {text}" if p.get("label") else text


def _review(p: dict[str, Any]) -> str:
    after = p.get("after", {})
    return "; ".join(
        [
            _("legal review (法制审核): %(answer)s")
            % {"answer": _("yes") if after.get("needs_legal_review") else _("no")},
            _("collective discussion (集体讨论): %(answer)s")
            % {"answer": _("yes") if after.get("needs_collective_discussion") else _("no")},
        ]
    )


def _approval_requested(p: dict[str, Any]) -> str:
    text = choice_label(Approval.Subject, p.get("subject"))
    return f"{text}: {p['note']}" if p.get("note") else text


def _approval_decided(p: dict[str, Any]) -> str:
    return "{}: {} — {}".format(
        choice_label(Approval.Subject, p.get("subject")),
        choice_label(Approval.Outcome, p.get("outcome")),
        p.get("opinion", ""),
    )


def _role_label(code: str) -> str:
    try:
        return str(signer_role(code).label)
    except ActionError:
        return code


def _record(p: dict[str, Any]) -> str:
    parts = [record_type_name(str(p.get("record_type", "")))]
    if p.get("number"):
        parts.append(str(p["number"]))
    if p.get("version"):
        parts.append(_("version %(n)s") % {"n": p["version"]})
    if p.get("corrects"):
        parts.append(_("corrects version %(n)s") % {"n": p["corrects"]})
    if p.get("reason"):
        parts.append(_("reason: %(reason)s") % {"reason": p["reason"]})
    if p.get("status"):
        parts.append(
            "{}: {} ({})".format(
                _role_label(str(p.get("signer_role", ""))),
                p.get("signer_name", ""),
                choice_label(Signature.Status, p["status"]),
            )
        )
    if p.get("circumstances"):
        parts.append(_("circumstances: %(text)s") % {"text": p["circumstances"]})
    witnesses = [str(w.get("name", "")) for w in p.get("witnesses", []) if isinstance(w, dict)]
    if witnesses:
        parts.append(_("witnessed by %(names)s") % {"names": "、".join(witnesses)})
    if p.get("method"):
        parts.append(choice_label(Service.Method, p["method"]))
    if p.get("recipient"):
        parts.append(_("recipient: %(name)s") % {"name": p["recipient"]})
    return "; ".join(x for x in parts if x)


def short_digest(value: Any) -> str:
    return f"SHA-256 {str(value)[:16]}…" if value else ""


def _evidence(p: dict[str, Any]) -> str:
    parts = []
    if p.get("kind") and "source_sha256" not in p:
        parts.append(choice_label(Evidence.Kind, p["kind"]))
    if p.get("kind") and "source_sha256" in p:
        parts.append(choice_label(Derivative.Kind, p["kind"]))
    if p.get("source"):
        parts.append(choice_label(Acquisition.Source, p["source"]))
    if p.get("filename"):
        parts.append(str(p["filename"]))
    if isinstance(p.get("size"), int):
        parts.append(_("%(mib).1f MiB") % {"mib": p["size"] / 1048576})
    if p.get("recorded_from"):
        parts.append(
            _("recorded %(start)s – %(end)s")
            % {"start": p["recorded_from"], "end": p.get("recorded_to") or "…"}
        )
    if p.get("notice_given") is not None:
        parts.append(
            _("party told before recording: %(answer)s")
            % {"answer": _("yes") if p["notice_given"] else _("no")}
        )
    if p.get("range"):
        parts.append(_("bytes %(range)s") % {"range": p["range"]})
    for key in ("reason", "why"):
        if p.get(key):
            parts.append(_("reason: %(reason)s") % {"reason": p[key]})
    parts.append(short_digest(p.get("sha256")))
    return "; ".join(x for x in parts if x)


def _rendered(p: dict[str, Any]) -> str:
    return "; ".join(x for x in (_record(p), short_digest(p.get("sha256"))) if x)


def _archived(p: dict[str, Any]) -> str:
    parts = [str(p.get("archive_number", ""))]
    if p.get("retention"):
        parts.append(choice_label(Retention, p["retention"]))
    if isinstance(p.get("files"), int):
        parts.append(ngettext("%(n)s file", "%(n)s files", p["files"]) % {"n": p["files"]})
    parts.append(short_digest(p.get("bag_sha256")))
    return "; ".join(x for x in parts if x)


def _archive_checked(p: dict[str, Any]) -> str:
    outcome = _("passed") if p.get("passed") else _("failed")
    text = "{}: {} — {}".format(
        p.get("archive_number", ""), choice_label(PackageCheck.Property, p.get("property")), outcome
    )
    failed = [f"{f.get('item', '')}" for f in p.get("failed") or [] if isinstance(f, dict)]
    return text + ("; " + "、".join(failed) if failed else "")


def rule_name(rule_id: Any) -> str:
    spec = rule_specs().get(str(rule_id))
    return f"{spec.article} {spec.title}" if spec else str(rule_id)


def _findings(p: dict[str, Any]) -> str:
    found = p.get("findings") or []
    count = ngettext("%(n)s finding", "%(n)s findings", len(found)) % {"n": len(found)}
    return f"{rule_name(p.get('rule'))}: {count}"


def _explained(p: dict[str, Any]) -> str:
    return "{}: {}".format(
        rule_name(p.get("rule")), _("reason: %(reason)s") % {"reason": p.get("reason", "")}
    )


def _audit_checked(p: dict[str, Any]) -> str:
    answers = p.get("answers")
    parts = []
    if isinstance(answers, dict):
        n = len(answers)
        parts.append(ngettext("%(n)s answer", "%(n)s answers", n) % {"n": n})
    if p.get("note"):
        parts.append(str(p["note"]))
    return "; ".join(parts)


def _replica(p: dict[str, Any]) -> str:
    parts = []
    if p.get("kind"):
        parts.append(choice_label(ReplicaCopy.Kind, p["kind"]))
    if p.get("important") is not None:
        parts.append(
            _("important: %(answer)s") % {"answer": _("yes") if p["important"] else _("no")}
        )
    for key in ("replica", "detail", "reason"):
        if p.get(key):
            parts.append(str(p[key]))
    parts.append(short_digest(p.get("sha256")))
    return "; ".join(x for x in parts if x)


def generic(p: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {_plain(v)}" for k, v in sorted(p.items()))


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + generic(value) + "}"
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "matter.opened": _opened,
    "matter.stage_advanced": _stage,
    "matter.returned_for_investigation": _stage,
    "matter.handler_added": _handler,
    "matter.party_added": _party,
    "matter.gis_point_added": _gis,
    "matter.review_requirements_set": _review,
    "approval.requested": _approval_requested,
    "approval.decided": _approval_decided,
    "record.rendered": _rendered,
    "archive.package.created": _archived,
    "archive.package.checked": _archive_checked,
    "compliance.findings.opened": _findings,
    "compliance.findings.closed": _findings,
    "compliance.finding.explained": _explained,
    "compliance.audit.checked": _audit_checked,
    **{action: _replica for action in ACTION_LABELS if action.startswith("replica.")},
}


def summarise(action: str, payload: dict[str, Any]) -> str:
    summary = SUMMARIES.get(action)
    if summary is None and action in ACTION_LABELS:
        summary = _record if action.startswith("record.") else _evidence
    try:
        return (summary or generic)(payload)
    except Exception:  # a payload of an older shape is shown plainly rather than hidden
        return generic(payload)


def payload_of(event: Event) -> dict[str, Any]:
    body = json.loads(bytes(event.body).decode("utf-8"))
    payload = body.get("payload", {})
    return payload if isinstance(payload, dict) else {"value": payload}


def display_names(usernames: Iterable[str]) -> dict[str, str]:
    wanted = set(usernames)
    users = get_user_model().objects.filter(username__in=wanted).values_list("pk", "username")
    by_id = dict(users)
    names = {
        by_id[o.user_id]: o.name
        for o in Officer.objects.filter(user_id__in=by_id.keys()).only("user_id", "name")
    }
    return names


def entries(events: Iterable[Event]) -> list[Entry]:
    events = list(events)
    names = display_names(e.actor for e in events)
    shown = []
    for e in events:
        payload = payload_of(e)
        shown.append(
            Entry(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                actor_name=names.get(e.actor, e.actor),
                action=e.action,
                label=action_label(e.action, payload),
                summary=summarise(e.action, payload),
                object=f"{e.object_type}/{e.object_id}",
            )
        )
    return shown
