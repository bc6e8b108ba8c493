"""Document numbers (文号) from a per-agency template with yearly sequences.

卫生部令第87号 art. 4: 地区简称 + 卫 + 执法类别 + 执法性质 + 〔年份〕 + 序号, for example
``陕卫罚〔2026〕12号``. The template is data on the agency; the sequence row is locked while a
number is taken, so concurrent requests never get the same number.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from lawtrail.agencies.models import Agency, NumberSequence


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
        sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
            agency=agency, category=category, nature=nature, year=year
        )
        sequence.last += 1
        NumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)
    return format_number(agency, nature=nature, category=category, year=year, seq=sequence.last)
