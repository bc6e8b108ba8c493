"""档号 (archive numbers) and 保管期限 (retention) of case files (第十八条; DA/T 22, DA/T 13).

The retention period of each kind of matter and its 档号 kind code are data
(``retention.json``); the 档号 comes from the template ``settings.LAWTRAIL_ARCHIVE_NUMBER``
with the fields:

- ``fonds``: 全宗号, the agency's region code;
- ``year``: 年度, the (local) year the matter ended;
- ``retention``: 保管期限代码 of DA/T 22 (Y, D30, D10);
- ``kind``: the kind code of ``retention.json`` (XZCF …);
- ``seq``: 件号, the next number of the agency, year and kind (1, 2, …);
- ``agency``: the agency's short name.

A template with an unknown field, a bad format or no ``seq`` is refused with
``ImproperlyConfigured`` the first time a number is made (``check_template``).
"""

from __future__ import annotations

import datetime
import json
import re
import string
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from lawtrail.archive.models import ArchivePackage, Retention
from lawtrail.matters.models import Kind, Matter, Procedure

RETENTION_PATH = Path(__file__).with_name("retention.json")
FIELDS = ("fonds", "year", "retention", "kind", "seq", "agency")
MAX_LENGTH = 64  # ArchivePackage.archive_number
# The number names a folder: no separators, no leading dot, nothing a shell or a file system
# would read differently.
SAFE = re.compile(r"^[0-9A-Za-z\u3400-\u9fff·〔〕()_.\-]+$")


class RetentionDataError(ValueError):
    """``retention.json`` is inconsistent; raised when it is loaded."""


@cache
def retention_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RETENTION_PATH.read_text(encoding="utf-8"))
    codes = data.get("retention_codes", {})
    if set(codes) != set(Retention.values):
        raise RetentionDataError("retention.json: retention_codes must name every Retention")
    kinds = data.get("kinds", {})
    for kind in Kind.values:
        entry = kinds.get(kind)
        if not isinstance(entry, dict):
            raise RetentionDataError(f"retention.json: no entry for the kind {kind!r}")
        for name in ("retention", "simplified"):
            if entry.get(name) not in Retention.values:
                raise RetentionDataError(f"retention.json: {kind}.{name} is not a Retention")
        if not re.fullmatch(r"[0-9A-Za-z]{1,8}", str(entry.get("code", ""))):
            raise RetentionDataError(f"retention.json: {kind}.code must be 1-8 letters or digits")
    return data


def kind_code(kind: str) -> str:
    return str(retention_data()["kinds"][kind]["code"])


def retention_code(retention: str) -> str:
    return str(retention_data()["retention_codes"][retention])


def retention_for(matter: Matter) -> str:
    """The 保管期限 of the matter's case file: permanent when it holds a record that makes it so
    (a hearing, a collective discussion), else by procedure and kind."""
    entry = retention_data()["kinds"][matter.kind]
    permanent = entry.get("permanent_if_records", [])
    if permanent and matter.records.filter(record_type__in=permanent).exists():
        return str(Retention.PERMANENT)
    if matter.procedure == Procedure.SIMPLIFIED:
        return str(entry["simplified"])
    return str(entry["retention"])


SAMPLE = {
    "fonds": "610102",
    "year": 2026,
    "retention": "D30",
    "kind": "XZCF",
    "seq": 1,
    "agency": "新",
}


def check_template(template: str) -> None:
    """Refuse a 档号 template that cannot make numbers (unknown field, bad format, no seq)."""
    where = f"LAWTRAIL_ARCHIVE_NUMBER={template!r}"
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ImproperlyConfigured(f"{where}: {error}") from None
    named = [name for _text, name, _spec, _conv in parsed if name is not None]
    unknown = [name for name in named if name not in FIELDS]
    if unknown:
        raise ImproperlyConfigured(
            f"{where}: unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}"
        )
    if "seq" not in named:
        raise ImproperlyConfigured(f"{where}: it needs {{seq}}, or every number would be the same")
    try:
        sample = template.format(**SAMPLE)
    except (ValueError, TypeError, IndexError, KeyError) as error:
        raise ImproperlyConfigured(f"{where}: {error}") from None
    if not SAFE.match(sample) or sample.startswith(".") or len(sample) > MAX_LENGTH:
        raise ImproperlyConfigured(
            f"{where}: makes {sample!r}, which is not a usable folder name of at most "
            f"{MAX_LENGTH} characters (letters, digits, Chinese, - _ . · 〔〕)"
        )


def ended_year(matter: Matter) -> int:
    ended = matter.ended_at or timezone.now()
    return timezone.localtime(ended).year


def template_fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def next_seq(matter: Matter) -> int:
    """The next 件号 among the packages whose numbers differ only by it: of the matter's agency,
    end year and kind, as far as the template names them (a template without ``{kind}``
    numbers all kinds in one run).

    Packages are never deleted, so the count is the last number given. Two archivists taking
    the same number at once are told apart by the unique 档号 (and the folder): the later one
    builds again with the next number (``actions.archive_matter``).
    """
    named = template_fields(str(settings.LAWTRAIL_ARCHIVE_NUMBER))
    taken = ArchivePackage.objects.all()
    if named & {"fonds", "agency"}:
        taken = taken.filter(matter__agency=matter.agency)
    if "kind" in named:
        taken = taken.filter(matter__kind=matter.kind)
    if "year" in named:
        year = ended_year(matter)
        taken = taken.filter(
            matter__ended_at__gte=timezone.make_aware(datetime.datetime(year, 1, 1)),
            matter__ended_at__lt=timezone.make_aware(datetime.datetime(year + 1, 1, 1)),
        )
    return taken.count() + 1


def archive_number(matter: Matter, retention: str, seq: int) -> str:
    template = str(settings.LAWTRAIL_ARCHIVE_NUMBER)
    check_template(template)
    number = template.format(
        fonds=matter.agency.region_code,
        year=ended_year(matter),
        retention=retention_code(retention),
        kind=kind_code(matter.kind),
        seq=seq,
        agency=matter.agency.short_name,
    )
    if not SAFE.match(number) or number.startswith(".") or len(number) > MAX_LENGTH:
        raise ImproperlyConfigured(
            f"LAWTRAIL_ARCHIVE_NUMBER made {number!r} for matter {matter.number}, which is not "
            "a usable folder name"
        )
    return number
