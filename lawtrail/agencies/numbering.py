"""Document numbers (文号) from a per-agency template with yearly sequences.

卫生部令第87号 art. 4: 地区简称 + 卫 + 执法类别 + 执法性质 + 〔年份〕 + 序号, for example
``陕卫罚〔2026〕12号``. The template is data on the agency (set by a system administrator,
``agencies.people.set_number_template``); the sequence row is locked while a number is taken,
so concurrent requests never get the same number.
"""

from __future__ import annotations

import re
import string

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, NumberSequence
from lawtrail.errors import Invalid

PLACEHOLDERS = ("short", "category", "nature", "year", "seq")
# A sequence counts per (agency, category, nature, year): a template without {nature}, {year}
# or {seq} would give two documents the same number.
REQUIRED = ("nature", "year", "seq")
INTEGERS = ("year", "seq")
# An optional integer format spec: {seq:03d}, {seq:d}, {year:4d}.
INTEGER_SPEC = re.compile(r"^0?[1-9]?d$")
MAX_LENGTH = Agency._meta.get_field("number_template").max_length or 64
# What the longest number could look like, for the trial format: numbers are stored in
# columns of 64 characters (Record.number, Matter.number).
TRIAL = {"short": "陕" * 8, "category": "案" * 8, "nature": "证保决", "year": 2026, "seq": 99999}
NUMBER_LENGTH = 64


def _bad(message: str) -> Invalid:
    return Invalid(message, {"number_template": [message]})


def validate_template(template: str) -> str:
    """The template, stripped, or Invalid (422) naming what is wrong with it.

    Only {short}, {category}, {nature}, {year} and {seq} are known; {year} and {seq} may carry
    an integer format such as {seq:03d}; {nature}, {year} and {seq} are required.
    """
    template = template.strip()
    if not template:
        raise _bad(_("A document number template is required."))
    if len(template) > MAX_LENGTH:
        raise _bad(_("A template has at most %(n)s characters.") % {"n": MAX_LENGTH})
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise _bad(_("The braces of the template do not match.")) from None
    used: set[str] = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise _bad(
                _("Unknown placeholder {%(name)s}; use %(known)s.")
                % {"name": name, "known": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)}
            )
        if conversion:
            raise _bad(_("Placeholder {%(name)s} cannot take a conversion.") % {"name": name})
        if spec and (name not in INTEGERS or not INTEGER_SPEC.match(spec)):
            raise _bad(
                _(
                    "Placeholder {%(name)s} cannot take the format %(spec)s; only {seq} and "
                    "{year} take an integer format such as {seq:03d}."
                )
                % {"name": name, "spec": spec}
            )
        used.add(name)
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        raise _bad(
            _("The template must contain %(missing)s, so that numbers never repeat.")
            % {"missing": ", ".join(f"{{{m}}}" for m in missing)}
        )
    try:
        trial = template.format(**TRIAL)
    except (ValueError, KeyError, IndexError):
        raise _bad(_("The template cannot be filled in; check its placeholders.")) from None
    if len(trial) > NUMBER_LENGTH:
        raise _bad(
            _("Numbers from this template could be longer than %(n)s characters.")
            % {"n": NUMBER_LENGTH}
        )
    return template


def example_number(agency: Agency, template: str | None = None, *, nature: str = "罚") -> str:
    """What the first number of this year would look like (shown to the administrator)."""
    template = agency.number_template if template is None else template
    return template.format(
        short=agency.short_name,
        category="",
        nature=nature,
        year=timezone.localdate().year,
        seq=1,
    )


def format_number(agency: Agency, *, nature: str, category: str, year: int, seq: int) -> str:
    return agency.number_template.format(
        short=agency.short_name, category=category, nature=nature, year=year, seq=seq
    )


def issue_number(
    agency: Agency, nature: str, *, category: str = "", year: int | None = None
) -> str:
    """Take the next number; call inside the transaction that stores the numbered document."""
    if not connection.in_atomic_block:
        raise RuntimeError("issue_number must run inside the transaction that uses the number")
    year = year or timezone.localdate().year
    with transaction.atomic():
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(
            agency=agency, category=category, nature=nature, year=year
        )
        sequence.last += 1
        NumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)
    return format_number(agency, nature=nature, category=category, year=year, seq=sequence.last)
