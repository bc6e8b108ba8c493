"""What a case file (案卷) holds, as plain data: shared by the case-file assembly
(``casefile.py``), the PDF renderer (``documents.py``), the bag builder (``packages.py``) and the
四性 checks (``checks.py``).

A case file is the matter's written records in their legal order, a catalogue (卷内目录) listing
them, the list of its audio/video evidence with digests, and the ledger proofs that the events
recording them are in the signed log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of the 卷内目录: 序号, 文号, 责任者, 题名, 日期, 页号, 备注."""

    position: int
    title: str  # 题名: the record type's name, or "音像证据清单" / "审计账本证明"
    number: str  # 文号, "" when the record has none
    responsible: str  # 责任者: the agency (or the officer who made it)
    date: datetime.date | None
    record_id: int | None = None  # None for the evidence list and the proofs
    pages: str = ""  # 页号, filled in by the renderer ("3-5")
    note: str = ""


@dataclass(frozen=True)
class EvidenceEntry:
    evidence_id: int
    kind: str  # video, audio, photo, document, other
    filename: str
    sha256: str
    sm3: str
    size: int
    content_type: str
    recorded_from: datetime.datetime | None
    recorded_to: datetime.datetime | None
    acquired_at: datetime.datetime
    officer: str  # the recording officer's name
    device: str
    # True: the bytes go into the bag (data/originals/); False: referenced by digest only.
    inline: bool = True


@dataclass(frozen=True)
class LedgerProof:
    """An RFC 6962 inclusion proof of one event in the tree of a signed checkpoint."""

    event_seq: int
    action: str
    leaf_hash: str  # hex
    tree_size: int
    proof: list[str]  # hex hashes, leaf to root


@dataclass(frozen=True)
class CaseFile:
    matter_id: int
    matter_number: str
    kind: str  # Matter.kind
    title: str
    agency_name: str
    agency_region: str
    parties: list[str]
    handlers: list[str]
    opened_at: datetime.datetime
    ended_at: datetime.datetime | None
    archive_number: str
    retention: str  # Retention value
    records: list[int]  # Record ids in legal order (the order of the catalogue)
    catalogue: list[CatalogueEntry]
    evidence: list[EvidenceEntry]
    proofs: list[LedgerProof]
    checkpoint: str  # the signed note the proofs are against
    verifier_key: str
    extra: dict[str, Any] = field(default_factory=dict)
