"""Forms for written records (文书): fields generated from a record type's FieldSpecs,
corrections, signatures (with the signature pad) and service (送达, 第十三条(五)).

The forms check shape only; lawtrail.records checks the rules and names the field of any
error ("fields.findings", "proof.evidence[0].sha256" …), which ``place_error`` puts on its input.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Officer
from lawtrail.errors import ActionError, Invalid
from lawtrail.records.catalogue import FieldSpec, RecordType, signer_role
from lawtrail.records.models import Service, Signature
from lawtrail.web.forms.matters import OfficerMultipleChoice

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
ITEM_ROWS_MIN = 3
EVIDENCE_ROWS = 3
ITEM_PATH = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def field_for(spec: FieldSpec) -> forms.Field:
    """A form field for one FieldSpec (docs/contracts.md)."""
    common: dict[str, Any] = {"label": spec.label, "required": spec.required}
    if spec.type == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if spec.type == "date":
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if spec.type == "datetime":
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            input_formats=DATETIME_FORMATS,
            **common,
        )
    if spec.type == "number":
        return forms.DecimalField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if spec.type == "choice":
        choices = [(c, c) for c in spec.choices]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if spec.type == "list":
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One entry per line."), **common
        )
    return forms.CharField(**common)


def json_value(spec: FieldSpec, value: Any) -> Any:
    """A cleaned form value as the records app takes it (numbers as text: no floats)."""
    if value is None or value == "":
        return None
    if spec.type == "list":
        return [line.strip() for line in str(value).splitlines() if line.strip()]
    if isinstance(value, dt.datetime):
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return timezone.localtime(aware).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def initial_value(spec: FieldSpec, value: Any) -> Any:
    if spec.type == "list" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if spec.type == "datetime" and isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return parsed.strftime(DATETIME_LOCAL)
    return value


class ItemTable:
    """A list field whose entries are objects (e.g. 抽样物品): a small table of rows."""

    def __init__(self, form: RecordForm, spec: FieldSpec, rows: int) -> None:
        self.form = form
        self.spec = spec
        self.rows = rows

    @property
    def name(self) -> str:
        return f"f_{self.spec.name}"

    @property
    def errors(self) -> Any:
        return self.form.errors.get(self.name, [])

    def cells(self) -> list[list[forms.BoundField]]:
        return [
            [self.form[self.form.cell_name(self.spec, row, item)] for item in self.spec.items]
            for row in range(self.rows)
        ]


class RecordForm(forms.Form):
    """The fields of one record type, in the catalogue's order."""

    def __init__(
        self,
        record_type: RecordType,
        data: Any = None,
        *,
        values: dict[str, Any] | None = None,
    ) -> None:
        """``values`` are the fields of the version being corrected (the form's start)."""
        values = values or {}
        self.tables: dict[str, ItemTable] = {}
        self.record_type = record_type
        super().__init__(data, initial={})
        for spec in record_type.fields:
            if spec.type == "list" and spec.items:
                existing = values.get(spec.name) or []
                rows = max(ITEM_ROWS_MIN, len(existing) + 1)
                if data is not None:
                    rows = max(rows, self.posted_rows(data, spec))
                for row in range(rows):
                    for item in spec.items:
                        name = self.cell_name(spec, row, item)
                        self.fields[name] = forms.CharField(
                            label=item.label, required=False, max_length=500
                        )
                        if row < len(existing) and isinstance(existing[row], dict):
                            self.initial[name] = existing[row].get(item.name, "")
                self.tables[spec.name] = ItemTable(self, spec, rows)
                # A hidden anchor so the table's errors have a place.
                self.fields[f"f_{spec.name}"] = forms.CharField(
                    required=False, widget=forms.HiddenInput
                )
                continue
            self.fields[f"f_{spec.name}"] = field_for(spec)
            if spec.name in values:
                self.initial[f"f_{spec.name}"] = initial_value(spec, values[spec.name])

    @staticmethod
    def cell_name(spec: FieldSpec, row: int, item: FieldSpec) -> str:
        return f"f_{spec.name}-{row}-{item.name}"

    @staticmethod
    def posted_rows(data: Any, spec: FieldSpec) -> int:
        prefix = f"f_{spec.name}-"
        rows = [
            int(key[len(prefix) :].split("-", 1)[0])
            for key in data
            if key.startswith(prefix) and key[len(prefix) :].split("-", 1)[0].isdigit()
        ]
        return min(max(rows, default=-1) + 1, 200)

    def visible(self) -> list[Any]:
        """The fields and tables in catalogue order, for the template."""
        out: list[Any] = []
        for spec in self.record_type.fields:
            if spec.name in self.tables:
                out.append(self.tables[spec.name])
            else:
                out.append(self[f"f_{spec.name}"])
        return out

    def field_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in self.record_type.fields:
            if spec.name in self.tables:
                rows = []
                for row in range(self.tables[spec.name].rows):
                    entry = {
                        item.name: (
                            self.cleaned_data.get(self.cell_name(spec, row, item)) or ""
                        ).strip()
                        for item in spec.items
                    }
                    entry = {k: v for k, v in entry.items() if v}
                    if entry:
                        rows.append(entry)
                if rows:
                    values[spec.name] = rows
                continue
            value = json_value(spec, self.cleaned_data.get(f"f_{spec.name}"))
            if value not in (None, []):
                values[spec.name] = value
        return values

    def place_error(self, error: ActionError) -> None:
        if not isinstance(error, Invalid):
            return
        for path, messages in error.fields.items():
            text = messages[0] if messages else error.message
            name = path.removeprefix("fields.")
            match = ITEM_PATH.match(name)
            if match:
                spec_name, row, item = match[1], int(match[2]), match[3]
                target = f"f_{spec_name}-{row}-{item}" if item else f"f_{spec_name}"
                if target not in self.fields:
                    target = f"f_{spec_name}"
                    text = _("Entry %(n)d: %(message)s") % {"n": row + 1, "message": text}
                name = target
            else:
                name = f"f_{name}"
            if name in self.fields and not self.has_error(name):
                self.add_error(name, text)
            elif name == "f_reason" and "reason" in self.fields:
                self.add_error("reason", text)


class CorrectionForm(RecordForm):
    def __init__(
        self, record_type: RecordType, data: Any = None, *, values: dict[str, Any] | None = None
    ) -> None:
        super().__init__(record_type, data, values=values)
        self.fields["reason"] = forms.CharField(
            label=_("Reason for the correction"),
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_(
                "The earlier version stays as it was (第二十六条); the new one points to it."
            ),
        )

    def place_error(self, error: ActionError) -> None:
        if isinstance(error, Invalid) and "reason" in error.fields:
            messages = error.fields["reason"]
            self.add_error("reason", messages[0] if messages else error.message)
        super().place_error(error)


class SignatureForm(forms.Form):
    signer_role = forms.ChoiceField(label=_("Who signs"))
    signer_name = forms.CharField(
        label=_("Name of the signer"),
        max_length=100,
        required=False,
        help_text=_("An officer signs in their own name; it is filled in from the login."),
    )
    status = forms.ChoiceField(
        label=_("Signature status"),
        widget=forms.RadioSelect,
        choices=Signature.Status.choices,
        initial="signed",
    )
    image_png = forms.CharField(required=False, widget=forms.HiddenInput)
    circumstances = forms.CharField(
        label=_("Circumstances"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When the signer refuses or cannot sign, say what happened (第十三条(三))."),
    )
    witness_ids = OfficerMultipleChoice(
        label=_("Witnessing officers"),
        required=False,
        queryset=Officer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Officers handling the matter who saw the refusal or inability."),
    )

    def __init__(self, roles: list[str], witnesses: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signer_role"].choices = [  # type: ignore[attr-defined]
            (code, signer_role(code).label) for code in roles
        ]
        self.fields["witness_ids"].queryset = witnesses  # type: ignore[attr-defined]

    def clean_image_png(self) -> bytes | None:
        value: str = self.cleaned_data.get("image_png") or ""
        if not value:
            return None
        head, _sep, data = value.partition(",")
        if head != "data:image/png;base64" or not data:
            raise forms.ValidationError(_("The signature is not a PNG image."))
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(_("The signature image is damaged.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status == "signed" and not data.get("image_png") and not self.has_error("image_png"):
            self.add_error("image_png", _("Draw the signature on the pad."))
        if status != "signed":
            data["image_png"] = None
        return data

    def place_error(self, error: ActionError) -> None:
        if isinstance(error, Invalid):
            for name, messages in error.fields.items():
                if name in self.fields and not self.has_error(name):
                    self.add_error(name, messages[0] if messages else error.message)


EVIDENCE_KINDS = [
    ("photo", _("Photo")),
    ("video", _("Video")),
    ("audio", _("Audio")),
    ("recording", _("Call recording")),
    ("sms", _("SMS")),
    ("screenshot", _("Screenshot")),
    ("screen_recording", _("Screen recording")),
    ("document", _("Document")),
    ("scan", _("Scan")),
]
PAPER_KINDS = [k for k in EVIDENCE_KINDS if k[0] in ("photo", "scan", "document")]

# (method, proof key) -> form field, for the text parts of the proof.
PROOF_TEXT: dict[str, list[tuple[str, Any, str]]] = {
    "lodged": [
        ("circumstances", _("Circumstances noted on the proof of service (送达回证)"), "textarea")
    ],
    "mail": [("return_circumstances", _("Returned by the post office: what happened"), "textarea")],
    "electronic": [
        ("address", _("E-mail address"), "text"),
        ("fax_number", _("Recipient's fax number"), "text"),
        ("fax_time", _("Time of the fax"), "datetime"),
    ],
    "public_notice": [
        ("reason", _("Why service by public notice"), "textarea"),
        ("method", _("Where and how the notice was published"), "text"),
        ("process", _("Course of the notice"), "textarea"),
        ("notice_text", _("Text of the notice"), "textarea"),
    ],
}
EVIDENCE_METHODS = ("lodged", "electronic", "public_notice")


def reference_fields(form: forms.Form, prefix: str, kinds: list[tuple[str, Any]]) -> None:
    form.fields[f"{prefix}_kind"] = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", "—"), *kinds]
    )
    form.fields[f"{prefix}_sha256"] = forms.CharField(
        label=_("SHA-256 of the evidence"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "spellcheck": "false",
                "autocomplete": "off",
                "pattern": "[0-9a-f]{64}",
                "class": "mono",
            }
        ),
    )
    form.fields[f"{prefix}_description"] = forms.CharField(
        label=_("Description"), required=False, max_length=500
    )


class ServiceForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method of service (第十三条(五))"),
        choices=Service.Method.choices,
        widget=forms.RadioSelect,
    )
    served_at = forms.DateTimeField(
        label=_("Served at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        input_formats=DATETIME_FORMATS,
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=200)
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", "—"), ("fax", _("Fax")), ("email", _("E-mail"))],
    )
    receipt_id = forms.TypedChoiceField(
        label=_("Service receipt (送达回执) signed by the recipient"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    returned = forms.BooleanField(label=_("The post office returned the letter"), required=False)

    def __init__(self, receipts: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receipt_id"].choices = [("", "—"), *receipts]  # type: ignore[attr-defined]
        for method, specs in PROOF_TEXT.items():
            for key, label, kind in specs:
                name = f"{method}_{key}"
                if kind == "textarea":
                    self.fields[name] = forms.CharField(
                        label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
                    )
                elif kind == "datetime":
                    self.fields[name] = forms.DateTimeField(
                        label=label,
                        required=False,
                        input_formats=DATETIME_FORMATS,
                        widget=forms.DateTimeInput(
                            attrs={"type": "datetime-local"}, format=DATETIME_LOCAL
                        ),
                    )
                else:
                    self.fields[name] = forms.CharField(label=label, required=False, max_length=200)
        for row in range(EVIDENCE_ROWS):
            reference_fields(self, f"ev{row}", EVIDENCE_KINDS)
        reference_fields(self, "voucher", PAPER_KINDS)
        reference_fields(self, "receipt", PAPER_KINDS)

    def groups(self) -> dict[str, Any]:
        """Bound fields grouped for the page, which shows only the chosen method's part."""
        return {
            "text": {
                m: [self[f"{m}_{k}"] for k, _l, _t in specs] for m, specs in PROOF_TEXT.items()
            },
            "evidence": [
                [self[f"ev{row}_{p}"] for p in ("kind", "sha256", "description")]
                for row in range(EVIDENCE_ROWS)
            ],
            "voucher": [self[f"voucher_{p}"] for p in ("kind", "sha256", "description")],
            "receipt": [self[f"receipt_{p}"] for p in ("kind", "sha256", "description")],
        }

    def reference(self, prefix: str) -> dict[str, str] | None:
        parts = {
            p: (self.cleaned_data.get(f"{prefix}_{p}") or "").strip()
            for p in ("kind", "sha256", "description")
        }
        if not parts["kind"] and not parts["sha256"]:
            return None
        return parts

    def proof(self) -> dict[str, Any]:
        method = self.cleaned_data["method"]
        proof: dict[str, Any] = {}
        for key, _label, _kind in PROOF_TEXT.get(method, []):
            value = self.cleaned_data.get(f"{method}_{key}")
            if isinstance(value, dt.datetime):
                proof[key] = timezone.localtime(value).isoformat()
            elif value:
                proof[key] = value.strip()
        if method in EVIDENCE_METHODS:
            references = [self.reference(f"ev{row}") for row in range(EVIDENCE_ROWS)]
            proof["evidence"] = [r for r in references if r]
        if method == "mail":
            voucher = self.reference("voucher")
            if voucher:
                proof["postage_voucher"] = voucher
            if self.cleaned_data.get("returned"):
                proof["returned"] = True
            else:
                proof.pop("return_circumstances", None)
                receipt = self.reference("receipt")
                if receipt:
                    proof["return_receipt"] = receipt
        return proof

    def place_error(self, error: ActionError) -> None:
        if not isinstance(error, Invalid):
            return
        method = self.data.get("method", "")
        for path, messages in error.fields.items():
            text = messages[0] if messages else error.message
            name = path
            if path.startswith("proof."):
                key = path.removeprefix("proof.")
                match = re.match(r"^evidence(?:\[(\d+)\])?(?:\.(\w+))?$", key)
                ref = re.match(r"^(postage_voucher|return_receipt)(?:\.(\w+))?$", key)
                if match:
                    name = f"ev{match[1] or 0}_{match[2] or 'sha256'}"
                elif ref:
                    prefix = "voucher" if ref[1] == "postage_voucher" else "receipt"
                    name = f"{prefix}_{ref[2] or 'sha256'}"
                else:
                    name = f"{method}_{key}"
            if name in self.fields and not self.has_error(name):
                self.add_error(name, text)
