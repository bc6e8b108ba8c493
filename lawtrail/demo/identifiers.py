"""Made-up but valid identifiers for the demo's parties, generated with their check digits.

The numbers come from a seeded generator, so the demo province is the same on every machine;
the check characters come from ``lawtrail.matters.identifiers`` so they pass its validators.
"""

from __future__ import annotations

import datetime
import random

from lawtrail.matters.identifiers import resident_id_check, uscc_check

# GB 11714-1997: the organisation code inside a credit code has its own check character.
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

# GB 32100-2015: 登记管理部门 + 机构类别 codes used in the demo.
ENTERPRISE = "91"  # 工商 / 企业
SOLE_TRADER = "92"  # 工商 / 个体工商户
PRIVATE_NON_PROFIT = "52"  # 民政 / 民办非企业单位 (many private clinics)


def org_code_check(body: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


class IdentifierMaker:
    """Deterministic credit codes and resident ID numbers (seeded, so every demo is alike)."""

    def __init__(self, seed: int = 610000) -> None:
        self.random = random.Random(seed)

    def credit_code(self, region: str, kind: str = ENTERPRISE) -> str:
        body = "".join(self.random.choice("0123456789") for _ in range(8))
        first17 = kind + region + body + org_code_check(body)
        return first17 + uscc_check(first17)

    def resident_id(self, region: str, born: datetime.date, *, female: bool) -> str:
        seq = self.random.randrange(0, 500) * 2 + (0 if female else 1)
        first17 = f"{region}{born:%Y%m%d}{seq:03d}"
        return first17 + resident_id_check(first17)
