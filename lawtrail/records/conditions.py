"""Stage conditions that need written records (第三条 stages, 第十三条 records).

Registered with ``lawtrail.matters.stages.condition`` from ``RecordsConfig.ready``; each returns
what is missing as ``Unmet`` entries, and ``matters.actions.advance_stage`` refuses with all of
them.

- Entering 审查决定 (review): the investigative records exist — a 现场检查笔录 or 询问笔录 for
  inspection and penalty matters (行政处罚法 第五十五条, P-04), an 抽样物品清单 for sampling
  matters (第十三条(一)).
- Entering review and every later stage: every record that touches a party's rights carries, on
  its current version, the party side's signature or the record of a refusal (第十三条(三)).
- Entering 送达执行 (execution): the decision (第十三条(四)) of penalty and license matters; for
  penalty matters under the general procedure, a 陈述申辩告知书 served before the decision was
  made, or a 陈述申辩笔录 or 口头放弃记录 (第十三条(二)); the 法制审核意见书 and the
  集体讨论记录 where the matter needs them (第十三条(四)).
- Entering 归档管理 (archiving): each decision served, its current version, with valid proof
  (第十三条(五)).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lawtrail.errors import Unmet
from lawtrail.matters.models import STAGE_ORDER, Kind, Matter, Procedure, Stage
from lawtrail.matters.stages import condition
from lawtrail.records.catalogue import all_types, get_type
from lawtrail.records.models import Record, Service

INVESTIGATIVE = {
    Kind.INSPECTION: ("on_site_inspection", "inquiry"),
    Kind.PENALTY: ("on_site_inspection", "inquiry"),
    Kind.SAMPLING: ("sampling_list",),
}


def _records(matter: Matter, *codes: str) -> list[Record]:
    return list(
        Record.objects.filter(matter=matter, record_type__in=codes).order_by("created_at", "id")
    )


def _served(record: Record) -> list[Service]:
    """The services of the record's current version (a corrected document is served again)."""
    return list(record.services.filter(version=record.current_version()).order_by("served_at"))


def _label(record: Record) -> str:
    name = get_type(record.record_type).name
    return f"{name} {record.number}" if record.number else f"{name} #{record.pk}"


@condition
def investigative_records(matter: Matter, target: str) -> list[Unmet]:
    """第十三条(一); 行政处罚法 第五十五条 (P-04): questioning and inspection are written down."""
    codes = INVESTIGATIVE.get(Kind(matter.kind))
    if target != Stage.REVIEW or not codes or _records(matter, *codes):
        return []
    if matter.kind == Kind.SAMPLING:
        return [
            Unmet(
                "records.sampling_list",
                "第十三条(一)3",
                _("A sampling matter needs its 抽样物品清单 before review."),
            )
        ]
    return [
        Unmet(
            "records.investigation",
            "第十三条(一)1-2; 行政处罚法 第五十五条",
            _("Investigation needs a 现场检查（勘验）笔录 or a 询问（调查）笔录 before review."),
        )
    ]


@condition
def party_signatures(matter: Matter, target: str) -> list[Unmet]:
    """第十三条(三): records touching a party's rights are signed, or the refusal recorded."""
    if STAGE_ORDER.index(target) < STAGE_ORDER.index(Stage.REVIEW):
        return []
    touching = {t.code: t for t in all_types() if t.touches_party_rights}
    unmet: list[Unmet] = []
    for record in _records(matter, *touching):
        roles = touching[record.record_type].party_signers()
        present = set(
            record.current_version()
            .signatures.filter(signer_role__in=roles)
            .values_list("signer_role", flat=True)
        )
        missing = [role for role in roles if role not in present]
        if missing:
            unmet.append(
                Unmet(
                    "records.party_signature",
                    "第十三条(三)",
                    _("%(record)s has no signature or recorded refusal of the party side.")
                    % {"record": _label(record)},
                )
            )
    return unmet


def _statement_heard(matter: Matter, decisions: list[Record]) -> bool:
    """第十三条(二): the notice served before the decision, or the party's statement or waiver."""
    if _records(matter, "statement_record", "statement_waiver"):
        return True
    decided_at = min((d.created_at for d in decisions), default=None)
    for notice in _records(matter, "statement_notice"):
        for service in notice.services.all():
            if decided_at is None or service.served_at < decided_at:
                return True
    return False


@condition
def decision_records(matter: Matter, target: str) -> list[Unmet]:
    """第十三条(二)(四): what a decision needs before it is served and executed."""
    if target != Stage.EXECUTION:
        return []
    unmet: list[Unmet] = []
    decisions = _records(matter, "decision")
    if matter.kind in (Kind.PENALTY, Kind.LICENSE) and not decisions:
        unmet.append(
            Unmet(
                "records.decision",
                "第十三条(四)",
                _("The 行政执法决定书 has not been written."),
            )
        )
    if (
        matter.kind == Kind.PENALTY
        and matter.procedure == Procedure.GENERAL
        and not _statement_heard(matter, decisions)
    ):
        unmet.append(
            Unmet(
                "records.statement",
                "第十三条(二); 行政处罚法 第四十四条、第六十二条",
                _(
                    "The party was not told of the right to state and defend before the decision "
                    "(陈述申辩告知书 served before the decision), nor is a statement or waiver "
                    "recorded."
                ),
            )
        )
    if matter.needs_legal_review and not _records(matter, "legal_review_opinion"):
        unmet.append(
            Unmet(
                "records.legal_review",
                "第十三条(四); 行政处罚法 第五十八条",
                _("The matter needs legal review and has no 法制审核意见书."),
            )
        )
    if matter.needs_collective_discussion and not _records(matter, "collective_discussion"):
        unmet.append(
            Unmet(
                "records.collective_discussion",
                "第十三条(四); 行政处罚法 第五十七条",
                _("The matter needs collective discussion and has no 集体讨论记录."),
            )
        )
    return unmet


@condition
def decisions_served(matter: Matter, target: str) -> list[Unmet]:
    """第十三条(五): every decision is served, as it now reads, with the proof of its method."""
    if target != Stage.ARCHIVING:
        return []
    codes = [t.code for t in all_types() if t.is_decision]
    return [
        Unmet(
            "records.decision_served",
            "第十三条(五)",
            _("%(record)s has not been served (as it now reads) with proof.")
            % {"record": _label(record)},
        )
        for record in _records(matter, *codes)
        if not _served(record)
    ]
