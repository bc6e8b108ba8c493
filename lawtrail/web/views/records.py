"""Written records of a matter (文书, 第八条, 第十三条): add, view with every version, correct,
sign (signature pad, or a refusal with circumstances and witnesses) and serve (送达)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lawtrail.agencies.models import Officer
from lawtrail.errors import ActionError, NotFound
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.permissions import get_visible_matter, is_handler, is_head_of
from lawtrail.records import actions
from lawtrail.records.catalogue import FieldSpec, RecordType, all_types, get_type, signer_role
from lawtrail.records.models import Record, RecordVersion, Service, Signature
from lawtrail.records.permissions import is_legal_reviewer_of, may_sign_as
from lawtrail.web.forms.records import CorrectionForm, RecordForm, ServiceForm, SignatureForm
from lawtrail.web.shortcuts import current_officer, page, unmet_of


def may_record(officer: Officer | None, matter: Matter) -> bool:
    return (
        officer is not None
        and matter.stage != Stage.ARCHIVING
        and (
            is_handler(officer, matter)
            or is_head_of(officer, matter)
            or is_legal_reviewer_of(officer, matter)
        )
    )


def section(request: HttpRequest, matter: Matter) -> dict[str, Any]:
    """The records part of the matter page."""
    rows = []
    for record in Record.objects.filter(matter=matter).select_related("created_by"):
        version = record.current_version()
        kind = get_type(record.record_type)
        signatures = list(version.signatures.all())
        signed_roles = {s.signer_role for s in signatures}
        rows.append(
            {
                "record": record,
                "type": kind,
                "version": version,
                "signatures": signatures,
                "missing": [
                    signer_role(code).label for code in kind.signers if code not in signed_roles
                ],
                "services": record.services.count(),
            }
        )
    return {
        "rows": rows,
        "types": all_types(),  # the catalogue's order follows the course of a case
        "can_add": may_record(current_officer(request), matter),
    }


def record_of(request: HttpRequest, pk: int, record_pk: int) -> tuple[Matter, Record]:
    matter = get_visible_matter(request.user, pk)
    record = Record.objects.filter(pk=record_pk, matter=matter).select_related("matter").first()
    if record is None:
        raise NotFound(_("No such record."))
    return matter, record


def record_url(record: Record) -> str:
    return reverse("web:record", args=[record.matter_id, record.pk])


@page
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    code = request.POST.get("record_type") or request.GET.get("type", "")
    kind = get_type(code)  # Invalid (422) names an unknown type
    error: ActionError | None = None
    if request.method == "POST":
        form = RecordForm(kind, request.POST)
        if form.is_valid():
            try:
                record = actions.create_record(request.user, matter, kind.code, form.field_values())
            except ActionError as exc:
                error = exc
                form.place_error(exc)
            else:
                messages.success(request, _("%(type)s saved.") % {"type": kind.name})
                return redirect(record_url(record))
    else:
        form = RecordForm(kind)
    return render(
        request,
        "web/records/new.html",
        {
            "nav": "matters",
            "matter": matter,
            "kind": kind,
            "form": form,
            "error": error,
            "unmet": unmet_of(error),
        },
        status=error.status if error else (422 if form.errors else 200),
    )


def display_value(spec: FieldSpec, value: Any) -> Any:
    """A datetime as the officer wrote it (local time, minutes); anything else as stored."""
    if spec.type == "datetime" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return value


def shown_fields(
    kind: RecordType, values: dict[str, Any], previous: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """A version's fields in catalogue order, marking those changed from the version before."""
    shown = []
    for spec in kind.fields:
        value = values.get(spec.name)
        shown.append(
            {
                "spec": spec,
                "value": display_value(spec, value),
                "is_list": isinstance(value, list),
                "is_table": bool(spec.items) and isinstance(value, list),
                "changed": previous is not None and previous.get(spec.name) != value,
            }
        )
    return shown


def signature_image(signature: Signature) -> str:
    if not signature.image:
        return ""
    return "data:image/png;base64," + base64.b64encode(bytes(signature.image)).decode("ascii")


@page
def record_detail(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    matter, record = record_of(request, pk, record_pk)
    # 第二十条: reading is an event, written before the content is shown.
    actions.note_viewed(request.user, record)
    kind = get_type(record.record_type)
    versions: list[RecordVersion] = list(
        record.versions.select_related("created_by", "corrects").order_by("version")
    )
    shown = []
    previous: dict[str, Any] | None = None
    for version in versions:
        signatures = list(version.signatures.prefetch_related("witnesses"))
        for signature in signatures:
            signature.image_url = signature_image(signature)  # type: ignore[attr-defined]
            signature.role_label = signer_role(  # type: ignore[attr-defined]
                signature.signer_role
            ).label
        shown.append(
            {
                "version": version,
                "fields": shown_fields(kind, version.fields, previous),
                "signatures": signatures,
            }
        )
        previous = version.fields
    shown.reverse()
    services = list(
        Service.objects.filter(record=record).select_related("version", "receipt", "created_by")
    )
    return render(
        request,
        "web/records/detail.html",
        {
            "nav": "matters",
            "matter": matter,
            "record": record,
            "kind": kind,
            "versions": shown,
            "services": services,
            "may_record": may_record(current_officer(request), matter),
        },
    )


@page
@require_http_methods(["GET", "POST"])
def record_correct(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    matter, record = record_of(request, pk, record_pk)
    kind = get_type(record.record_type)
    current = record.current_version()
    error: ActionError | None = None
    if request.method == "POST":
        form = CorrectionForm(kind, request.POST, values=current.fields)
        if form.is_valid():
            try:
                version = actions.correct_record(
                    request.user, record, form.field_values(), form.cleaned_data["reason"]
                )
            except ActionError as exc:
                error = exc
                form.place_error(exc)
            else:
                messages.success(request, _("Version %(n)d saved.") % {"n": version.version})
                return redirect(record_url(record))
    else:
        form = CorrectionForm(kind, values=current.fields)
    return render(
        request,
        "web/records/correct.html",
        {
            "nav": "matters",
            "matter": matter,
            "record": record,
            "kind": kind,
            "form": form,
            "current": current,
            "error": error,
            "unmet": unmet_of(error),
        },
        status=error.status if error else (422 if form.errors else 200),
    )


def signable_roles(officer: Officer | None, matter: Matter, kind: RecordType) -> list[str]:
    """The signer roles this login may record: party side as a handler, officer side as self."""
    if officer is None:
        return []
    works_on = is_handler(officer, matter) or is_head_of(officer, matter)
    roles = []
    for code in kind.signers:
        role = signer_role(code)
        if (role.is_officer_side and may_sign_as(officer, matter, role)) or (
            not role.is_officer_side and works_on
        ):
            roles.append(code)
    return roles


def matter_officers(matter: Matter) -> QuerySet[Officer]:
    return Officer.objects.filter(handled__matter=matter).order_by("name")


@page
@require_http_methods(["GET", "POST"])
def record_sign(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    matter, record = record_of(request, pk, record_pk)
    kind = get_type(record.record_type)
    officer = current_officer(request)
    roles = signable_roles(officer, matter, kind) or list(kind.signers)
    officer_roles = [code for code in roles if signer_role(code).is_officer_side]
    error: ActionError | None = None
    if request.method == "POST":
        form = SignatureForm(roles, matter_officers(matter), request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.sign_record(
                    request.user,
                    record,
                    actions.SignatureInput(
                        signer_role=data["signer_role"],
                        signer_name=data["signer_name"],
                        status=data["status"],
                        image_png=data["image_png"],
                        circumstances=data["circumstances"],
                        witness_ids=[o.pk for o in data["witness_ids"]],
                    ),
                )
            except ActionError as exc:
                error = exc
                form.place_error(exc)
            else:
                messages.success(request, _("Signature recorded."))
                return redirect(record_url(record))
    else:
        form = SignatureForm(roles, matter_officers(matter))
    return render(
        request,
        "web/records/sign.html",
        {
            "nav": "matters",
            "matter": matter,
            "record": record,
            "kind": kind,
            "form": form,
            "version": record.current_version(),
            "error": error,
            "unmet": unmet_of(error),
            "officer_roles": officer_roles,
            "officer": officer,
        },
        status=error.status if error else (422 if form.errors else 200),
    )


def receipts_of(matter: Matter) -> list[tuple[int, str]]:
    choices = []
    for receipt in Record.objects.filter(matter=matter, record_type="service_receipt"):
        fields = receipt.current_version().fields
        label = _("Receipt #%(id)d: %(recipient)s, %(method)s") % {
            "id": receipt.pk,
            "recipient": fields.get("recipient", ""),
            "method": fields.get("method", ""),
        }
        choices.append((receipt.pk, label))
    return choices


@page
@require_http_methods(["GET", "POST"])
def record_serve(request: HttpRequest, pk: int, record_pk: int) -> HttpResponse:
    matter, record = record_of(request, pk, record_pk)
    kind = get_type(record.record_type)
    receipts = receipts_of(matter)
    error: ActionError | None = None
    if request.method == "POST":
        form = ServiceForm(receipts, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.record_service(
                    request.user,
                    record,
                    actions.ServiceInput(
                        method=data["method"],
                        served_at=data["served_at"],
                        recipient=data["recipient"],
                        channel=data["channel"] or "",
                        proof=form.proof(),
                        receipt_id=data["receipt_id"],
                    ),
                )
            except ActionError as exc:
                error = exc
                form.place_error(exc)
            else:
                messages.success(request, _("Service recorded."))
                return redirect(record_url(record) + "#services")
    else:
        form = ServiceForm(receipts)
    return render(
        request,
        "web/records/serve.html",
        {
            "nav": "matters",
            "matter": matter,
            "record": record,
            "kind": kind,
            "form": form,
            "groups": form.groups(),
            "error": error,
            "unmet": unmet_of(error),
        },
        status=error.status if error else (422 if form.errors else 200),
    )
