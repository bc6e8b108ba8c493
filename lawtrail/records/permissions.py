"""Who may read, write and sign records (invariant 7: denial is the default).

Reading follows the matter: a record of a matter outside the caller's scope does not exist for
them (404). Writing follows ``matters.permissions.require_can_work_on`` (the matter's handlers
and its agency's head), widened only where the catalogue says so: the legal reviewer writes the
法制审核意见书 (第十三条(四)). An officer-side signature is always the signing login's own,
and only an officer who may enforce (第十条: established, certificate valid today) signs as the
执法人员; an assistant (协助人员) handling the matter may write and correct its records.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer, Role
from lawtrail.agencies.scope import can_see_matters_of, matter_agencies
from lawtrail.errors import Forbidden, NotFound
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import (
    is_handler,
    is_head_of,
    require_can_work_on,
    require_officer,
)
from lawtrail.records.catalogue import RecordType, SignerRole
from lawtrail.records.models import Record


def visible_records(user: Any) -> models.QuerySet[Record]:
    return Record.objects.filter(matter__agency__in=matter_agencies(user))


def get_visible_record(user: Any, pk: int | str) -> Record:
    """The record, or NotFound also when its matter lies outside the user's scope."""
    try:
        record = Record.objects.select_related("matter__agency").get(pk=int(pk))
    except (Record.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such record.")) from None
    if not can_see_matters_of(user, record.matter.agency):
        raise NotFound(_("No such record."))
    return record


def is_legal_reviewer_of(officer: Officer, matter: Matter) -> bool:
    return officer.has_role(Role.LEGAL_REVIEWER) and officer.agency_id == matter.agency_id


def require_can_record(user: Any, matter: Matter, record_type: RecordType) -> Officer:
    """Handlers and the head write a matter's records; some types also their named roles."""
    officer = require_officer(user)
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    if "legal_reviewer" in record_type.also_recorded_by and is_legal_reviewer_of(officer, matter):
        return officer
    return require_can_work_on(user, matter)


def may_sign_as(officer: Officer, matter: Matter, role: SignerRole) -> bool:
    """Whether ``officer`` may sign ``matter``'s records in the officer-side ``role``."""
    same_agency = officer.agency_id == matter.agency_id
    if role.who == "handler":
        # 第十条: only an established officer with a certificate valid today signs as 执法人员;
        # an assistant handling the matter helps record but never signs in this role.
        return is_handler(officer, matter) and officer.can_enforce()
    if role.who == "head":
        return is_head_of(officer, matter)
    if role.who == "legal_reviewer":
        return is_legal_reviewer_of(officer, matter)
    if role.who == "non_handler":
        # 行政处罚法 第六十四条(四): the hearing is hosted by someone who did not investigate.
        return (
            same_agency
            and not officer.is_assistant
            and (officer.has_role(Role.OFFICER) or officer.has_role(Role.HEAD))
            and not is_handler(officer, matter)
        )
    if role.who == "agency_member":
        return same_agency and not officer.is_assistant
    return False


def require_can_sign(user: Any, matter: Matter, role: SignerRole) -> Officer:
    """Officer-side roles sign with their own login; the party side is recorded by a handler."""
    officer = require_officer(user)
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    if role.is_officer_side:
        if not may_sign_as(officer, matter, role):
            raise Forbidden(
                _(
                    "%(name)s may not sign as %(role)s on this matter; an officer signs only "
                    "with their own login and in a role they hold."
                )
                % {"name": officer.name, "role": role.label}
            )
        return officer
    return require_can_work_on(user, matter)
