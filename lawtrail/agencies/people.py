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
from lawtrail.agencies.scope import can_administer
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger import events


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
        },
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
