"""Checking a record's field values against its type (卫生部令第87号 第六条: every preset field
is filled in).

Values are normalised into a form whose canonical JSON is unique, because a version's digest is
taken over it and the ledger commits to that digest: dates as ``YYYY-MM-DD``, times as ISO 8601
in the local time zone with the offset, numbers as decimal strings (never floats, see
``lawtrail.ledger.canonical``), text stripped of surrounding white space.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.errors import Invalid
from lawtrail.ledger import canonical
from lawtrail.records.catalogue import FieldSpec, RecordType

TEXT_MAX = 500
TEXTAREA_MAX = 50_000
LIST_MAX = 500
# The whole content of one version, as canonical JSON.
CONTENT_MAX_BYTES = 512 * 1024

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_RE = re.compile(r"^[+-]?\d{1,24}(\.\d{1,8})?$")


class FieldError(ValueError):
    """One bad value; the message is shown to the user."""


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise FieldError(_("Expected text."))
    text = str(value).strip()
    if len(text) > limit:
        raise FieldError(_("At most %(limit)d characters.") % {"limit": limit})
    return text


def _date(value: Any) -> str:
    if not isinstance(value, str) or not DATE_RE.match(value.strip()):
        raise FieldError(_("Expected a date as YYYY-MM-DD."))
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise FieldError(_("Not a real date.")) from None


def parse_datetime(value: Any) -> datetime.datetime:
    """An ISO 8601 time; one without an offset is read in the local time zone (Asia/Shanghai)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and "T" in value.strip():
        try:
            moment = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(_("Not a real date and time.")) from None
    else:
        raise FieldError(_("Expected a date and time as YYYY-MM-DDTHH:MM[:SS][+08:00]."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _datetime(value: Any) -> str:
    return timezone.localtime(parse_datetime(value)).isoformat()


def _number(value: Any) -> str:
    if isinstance(value, bool):
        raise FieldError(_("Expected a number."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(_("Expected a finite number."))
        number = Decimal(repr(value))
    elif isinstance(value, str) and NUMBER_RE.match(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern already excludes these
            raise FieldError(_("Expected a number.")) from None
    else:
        raise FieldError(_("Expected a number."))
    if abs(number) >= Decimal(10) ** 24:
        raise FieldError(_("The number is too large."))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _choice(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in spec.choices:
        raise FieldError(_("Choose one of: %(choices)s.") % {"choices": "、".join(spec.choices)})
    return value.strip()


def is_empty(spec: FieldSpec, value: Any) -> bool:
    """Nothing filled in: null, blank text, or an empty list for a list field. Anything else
    is checked against the field's type."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return spec.type == "list" and value == []


def clean_value(spec: FieldSpec, value: Any, path: str, errors: dict[str, list[str]]) -> Any:
    """The normalised value, or None after noting what is wrong under ``path``."""
    try:
        if spec.type == "text":
            return _text(value, TEXT_MAX)
        if spec.type == "textarea":
            return _text(value, TEXTAREA_MAX)
        if spec.type == "date":
            return _date(value)
        if spec.type == "datetime":
            return _datetime(value)
        if spec.type == "number":
            return _number(value)
        if spec.type == "choice":
            return _choice(spec, value)
        return _list(spec, value, path, errors)
    except FieldError as error:
        errors.setdefault(path, []).append(str(error))
        return None


def _list(spec: FieldSpec, value: Any, path: str, errors: dict[str, list[str]]) -> list[Any]:
    if not isinstance(value, list):
        raise FieldError(_("Expected a list."))
    if len(value) > LIST_MAX:
        raise FieldError(_("At most %(limit)d entries.") % {"limit": LIST_MAX})
    if not spec.items:
        cleaned: list[Any] = []
        for index, item in enumerate(value):
            try:
                text = _text(item, TEXT_MAX)
            except FieldError as error:
                errors.setdefault(f"{path}[{index}]", []).append(str(error))
                continue
            if not text:
                errors.setdefault(f"{path}[{index}]", []).append(_("An entry is empty."))
            cleaned.append(text)
        return cleaned
    objects: list[Any] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors.setdefault(f"{path}[{index}]", []).append(_("Expected an object."))
            continue
        objects.append(_object(spec.items, item, f"{path}[{index}].", errors))
    return objects


def _object(
    specs: tuple[FieldSpec, ...], data: dict[str, Any], prefix: str, errors: dict[str, list[str]]
) -> dict[str, Any]:
    known = {spec.name: spec for spec in specs}
    for name in data:
        if name not in known:
            errors.setdefault(f"{prefix}{name}", []).append(_("Unknown field."))
    cleaned: dict[str, Any] = {}
    for spec in specs:
        value = data.get(spec.name)
        if is_empty(spec, value):
            if spec.required:
                errors.setdefault(f"{prefix}{spec.name}", []).append(
                    _("%(label)s is required.") % {"label": spec.label}
                )
            continue
        result = clean_value(spec, value, f"{prefix}{spec.name}", errors)
        if result is not None and not is_empty(spec, result):
            cleaned[spec.name] = result
        elif result is not None and spec.required:
            errors.setdefault(f"{prefix}{spec.name}", []).append(
                _("%(label)s is required.") % {"label": spec.label}
            )
    return cleaned


def clean_fields(record_type: RecordType, fields: Any) -> dict[str, Any]:
    """Check every field of a record and return the normalised content.

    Raises ``Invalid`` listing every problem under ``fields.<name>``: a required field missing
    or empty, a field the type does not have, or a value of the wrong type.
    """
    if not isinstance(fields, dict):
        raise Invalid(
            _("The fields of a record are an object."), {"fields": [_("Expected an object.")]}
        )
    errors: dict[str, list[str]] = {}
    cleaned = _object(record_type.fields, fields, "fields.", errors)
    if errors:
        first, messages = next(iter(errors.items()))
        raise Invalid(
            _("%(type)s: %(field)s: %(message)s")
            % {"type": record_type.name, "field": first, "message": messages[0]},
            errors,
        )
    if len(canonical.dumps(cleaned)) > CONTENT_MAX_BYTES:
        raise Invalid(_("The record is too large."), {"fields": [_("At most 512 KiB of content.")]})
    return cleaned


def digest(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a version's fields; the ledger commits to it."""
    return hashlib.sha256(canonical.dumps(fields)).hexdigest()
