"""Check digits of the identifiers a party carries.

- Resident identity number (公民身份号码), GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2
  check character (0-9 or X).
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from
  0-9 and A-Z without I, O, Z, S, V; the last is a MOD 31 check character.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def resident_id_check(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."), code="format"
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside the resident ID number is not a real date."), code="date"
        ) from None
    if resident_id_check(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of the resident ID number is wrong."), code="checksum"
        )


def uscc_check(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    if len(value) != 18 or any(c not in USCC_CHARS for c in value):
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters "
                "from 0-9 and A-Y (no I, O, S, V, Z)."
            ),
            code="format",
        )
    if uscc_check(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of the unified social credit code is wrong."), code="checksum"
        )
