"""Actions on agencies and people: one function per change, its ledger event in the same
transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Certificate, Officer, Role
from lawtrail.agencies.numbering import example_number, validate_template
from lawtrail.agencies.scope import can_administer, officer_of
from lawtrail.errors import Forbidden, Invalid, Refused, Unmet
from lawtrail.ledger import events
from lawtrail.matters.models import Stage


def actor_of(user: Any) -> events.Actor:
    return events.SYSTEM if user is None else events.Actor.of(user)


def require_admin(user: Any) -> None:
    """``user`` None is the command line run by the machine's operator."""
    if user is not None and not can_administer(user):
        raise Forbidden(_("Only system administrators manage agencies and people."))


@dataclass
class AgencyInput:
    name: str
    level: str
    region_code: str
    short_name: str
    parent_code: str = ""
    responsible_unit: str = ""
    # Empty: the model's default, {short}卫{nature}〔{year}〕{seq}号.
    number_template: str = ""


@transaction.atomic
def create_agency(user: Any, data: AgencyInput) -> Agency:
    require_admin(user)
    parent = None
    if data.parent_code:
        parent = Agency.objects.filter(region_code=data.parent_code).first()
        if parent is None:
            raise Invalid(
                _("No agency has region code %(code)s.") % {"code": data.parent_code},
                {"parent_code": []},
            )
    if data.level not in Agency.Level.values:
        raise Invalid(_("Unknown level %(level)s.") % {"level": data.level}, {"level": []})
    expected_parent = {"province": None, "city": "province", "county": "city"}[data.level]
    if (parent.level if parent else None) != expected_parent:
        raise Invalid(
            _("A %(level)s agency sits below a %(parent)s agency.")
            % {"level": data.level, "parent": expected_parent or _("nothing")},
            {"parent_code": []},
        )
    agency = Agency(
        name=data.name.strip(),
        level=data.level,
        region_code=data.region_code,
        short_name=data.short_name.strip(),
        parent=parent,
        responsible_unit=data.responsible_unit.strip(),
    )
    if data.number_template.strip():
        agency.number_template = validate_template(data.number_template)
    try:
        agency.full_clean()
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise Invalid(f"{field_name}: {messages[0]}", error.message_dict) from None
    agency.save()
    events.append(
        actor_of(user),
        "agency.created",
        agency,
        {
            "name": agency.name,
            "level": agency.level,
            "region_code": agency.region_code,
            "parent": parent.region_code if parent else None,
            "number_template": agency.number_template,
        },
    )
    return agency


@transaction.atomic
def set_number_template(user: Any, agency: Agency, template: str) -> Agency:
    """The agency's 文号 template (卫生部令第87号 第四条): data, not code.

    Numbers already issued keep their text; the sequences go on counting, so a number never
    repeats. A bad template is refused (422) naming the placeholder at fault.
    """
    require_admin(user)
    template = validate_template(template)
    before = agency.number_template
    if template == before:
        return agency
    agency.number_template = template
    agency.save(update_fields=["number_template"])
    events.append(
        actor_of(user),
        "agency.number_template_set",
        agency,
        {"before": before, "after": template, "example": example_number(agency)},
    )
    return agency


@transaction.atomic
def set_responsible(user: Any, agency: Agency, unit: str, person: Officer | None) -> Agency:
    """第十一条: name the unit and the person responsible for recording work."""
    require_admin(user)
    if person is not None and person.agency_id != agency.pk:
        raise Invalid(
            _("The responsible person must work at the agency."), {"responsible_person": []}
        )
    agency.responsible_unit = unit.strip()
    agency.responsible_person = person
    agency.save(update_fields=["responsible_unit", "responsible_person"])
    events.append(
        actor_of(user),
        "agency.responsible_set",
        agency,
        {"unit": agency.responsible_unit, "person": person.user.get_username() if person else None},
    )
    return agency


@dataclass
class PersonInput:
    username: str
    name: str
    agency_code: str
    roles: list[str] = field(default_factory=list)
    employment: str = Officer.Employment.ESTABLISHED
    password: str = ""


@transaction.atomic
def create_person(user: Any, data: PersonInput) -> Officer:
    require_admin(user)
    User = get_user_model()
    username = data.username.strip()
    if not username:
        raise Invalid(_("A username is required."), {"username": []})
    if User.objects.filter(username=username).exists():
        raise Invalid(_("The username %(u)s is taken.") % {"u": username}, {"username": []})
    agency = Agency.objects.filter(region_code=data.agency_code).first()
    if agency is None:
        raise Invalid(
            _("No agency has region code %(code)s.") % {"code": data.agency_code}, {"agency": []}
        )
    unknown = set(data.roles) - set(Role.values)
    if unknown:
        raise Invalid(
            _("Unknown roles: %(roles)s. Known roles: %(known)s.")
            % {"roles": ", ".join(sorted(unknown)), "known": ", ".join(Role.values)},
            {"roles": []},
        )
    if data.employment not in Officer.Employment.values:
        raise Invalid(_("Unknown employment %(e)s.") % {"e": data.employment}, {"employment": []})
    if Role.SUPERVISOR in data.roles and agency.level != Agency.Level.PROVINCE:
        raise Invalid(_("Provincial supervisors work at the provincial agency."), {"roles": []})
    if data.employment == Officer.Employment.ASSISTANT and (
        Role.HEAD in data.roles or Role.LEGAL_REVIEWER in data.roles
    ):
        raise Invalid(_("An assistant cannot be a head or a legal reviewer."), {"roles": []})
    if not data.name.strip():
        raise Invalid(_("A name is required."), {"name": []})
    account = User(username=username)
    if data.password:
        try:
            validate_password(data.password, account)
        except ValidationError as error:
            raise Invalid(" ".join(error.messages), {"password": list(error.messages)}) from None
        account.set_password(data.password)
    else:
        account.set_unusable_password()
    account.save()
    officer = Officer.objects.create(
        user=account,
        agency=agency,
        name=data.name.strip(),
        employment=data.employment,
        roles=data.roles,
    )
    events.append(
        actor_of(user),
        "person.created",
        officer,
        {
            "username": username,
            "name": officer.name,
            "agency": agency.region_code,
            "roles": officer.roles,
            "employment": officer.employment,
        },
    )
    return officer


@transaction.atomic
def set_roles(user: Any, officer: Officer, roles: list[str]) -> Officer:
    require_admin(user)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise Invalid(
            _("Unknown roles: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}, {"roles": []}
        )
    before = list(officer.roles)
    officer.roles = roles
    officer.save()
    events.append(
        actor_of(user), "person.roles_changed", officer, {"before": before, "after": officer.roles}
    )
    return officer


@transaction.atomic
def set_active(user: Any, officer: Officer, active: bool) -> Officer:
    require_admin(user)
    account = officer.user
    account.is_active = active
    account.save(update_fields=["is_active"])
    events.append(
        actor_of(user),
        "person.activated" if active else "person.deactivated",
        officer,
        {"username": account.get_username()},
    )
    return officer


@transaction.atomic
def add_certificate(
    user: Any,
    officer: Officer,
    *,
    number: str,
    issuer: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
) -> Certificate:
    """第十条: an enforcement certificate issued by 陕西省政府法制办 or 省卫生计生委."""
    require_admin(user)
    if officer.is_assistant:
        raise Invalid(_("Assistants do not hold enforcement certificates."), {"officer": []})
    certificate = Certificate(
        officer=officer,
        number=number.strip(),
        issuer=issuer,
        valid_from=valid_from,
        valid_to=valid_to,
        status=Certificate.Status.VALID,
    )
    try:
        certificate.full_clean()
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise Invalid(f"{name}: {messages[0]}", error.message_dict) from None
    if valid_to < valid_from:
        raise Invalid(_("A certificate cannot expire before it starts."), {"valid_to": []})
    certificate.save()
    events.append(
        actor_of(user),
        "certificate.added",
        certificate,
        {
            "officer": officer.user.get_username(),
            "number": certificate.number,
            "issuer": issuer,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat(),
        },
    )
    return certificate


@transaction.atomic
def set_certificate_status(user: Any, certificate: Certificate, status: str) -> Certificate:
    require_admin(user)
    if status not in Certificate.Status.values:
        raise Invalid(_("Unknown status %(s)s.") % {"s": status}, {"status": []})
    before = certificate.status
    certificate.status = status
    certificate.save(update_fields=["status"])
    events.append(
        actor_of(user),
        "certificate.status_changed",
        certificate,
        {"number": certificate.number, "before": before, "after": status},
    )
    return certificate


def may_set_employment(user: Any, officer: Officer) -> bool:
    """System administrators, and the head of the person's own agency."""
    if user is None or can_administer(user):
        return True
    me = officer_of(user)
    return me is not None and me.has_role(Role.HEAD) and me.agency_id == officer.agency_id


@transaction.atomic
def set_employment(user: Any, officer: Officer, employment: str, reason: str) -> Officer:
    """Change whether a person is established staff, not established, or an assistant.

    第十条: an assistant (协助人员) is never the responsible officer, so someone who leads a
    matter not yet archived cannot become one (409) until another handler leads it.
    """
    if not may_set_employment(user, officer):
        raise Forbidden(
            _("Only system administrators and the head of the person's agency change employment.")
        )
    if employment not in Officer.Employment.values:
        raise Invalid(
            _("Unknown employment %(e)s. Known: %(known)s.")
            % {"e": employment, "known": ", ".join(Officer.Employment.values)},
            {"employment": []},
        )
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the employment changes."), {"reason": []})
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    before = officer.employment
    if employment == before:
        return officer
    if employment == Officer.Employment.ASSISTANT:
        if officer.has_role(Role.HEAD) or officer.has_role(Role.LEGAL_REVIEWER):
            raise Invalid(_("An assistant cannot be a head or a legal reviewer."), {"roles": []})
        led = list(
            officer.handled.filter(is_lead=True)
            .exclude(matter__stage=Stage.ARCHIVING)
            .select_related("matter")
            .order_by("matter__number")
        )
        if led:
            raise Refused(
                _("%(name)s leads open matters and cannot become an assistant.")
                % {"name": officer.name},
                [
                    Unmet(
                        "employment.leads_open_matter",
                        "第十条",
                        _(
                            "%(name)s is the responsible officer of %(number)s; make another "
                            "handler the lead first."
                        )
                        % {"name": officer.name, "number": h.matter.number},
                    )
                    for h in led
                ],
            )
    officer.employment = employment
    officer.save(update_fields=["employment"])
    events.append(
        actor_of(user),
        "person.employment_changed",
        officer,
        {
            "username": officer.user.get_username(),
            "before": before,
            "after": employment,
            "reason": reason,
        },
    )
    return officer
