"""Request and response shapes of the JSON API, documented in /api/v1/openapi.json.

Inputs are checked for shape here (types, required fields, no unknown fields); the rules
(check digits, coordinates, who may do what) are the actions' business, so the API and the
pages give the same answers. Outputs are filled from rows by the ``*_out`` functions below.
Choice fields are plain strings whose allowed values the spec lists, so that an unknown value
gets the action's own sentence.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from lawtrail.agencies.models import Agency, Certificate, Officer, Role


def one_of(values: list[str], description: str = "", default: Any = ...) -> Any:
    """A string field whose allowed values the OpenAPI spec lists."""
    return Field(default, description=description, json_schema_extra={"enum": list(values)})


# The roles a person may have, for the spec of a list of them.
ROLE_ITEMS: dict[str, Any] = {"items": {"type": "string", "enum": list(Role.values)}}


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value`` (PostgreSQL refuses it in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class Input(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError("text may not contain NUL (0x00) characters")
        return data


# ---------------------------------------------------------------- errors


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    fields: dict[str, list[str]] = Field(description="The fields at fault, with what is wrong.")


class UnmetOut(Schema):
    code: str
    article: str = Field(description="The rule behind the condition, e.g. 第十六条.")
    message: str


class RefusedOut(Schema):
    detail: str
    unmet: list[UnmetOut]


READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: InvalidOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: RefusedOut,
    413: ErrorOut,
    415: ErrorOut,
    422: InvalidOut,
}


# ---------------------------------------------------------------- agencies and people


NUMBER_TEMPLATE_HELP = (
    "The 文号 template (卫生部令第87号 第四条): placeholders {short}, {category}, {nature}, "
    "{year}, {seq}; {nature}, {year} and {seq} are required; {seq} and {year} may take an "
    "integer format such as {seq:03d}."
)


class AgencyRef(Schema):
    region_code: str
    name: str
    level: str


class AgencyOut(AgencyRef):
    short_name: str
    parent: str | None = Field(description="The parent agency's region code.")
    responsible_unit: str = Field(description="第十一条: the unit responsible for recording.")
    responsible_person: str | None = Field(description="第十一条: username of the person.")
    number_template: str = Field(description=NUMBER_TEMPLATE_HELP)


class AgencyIn(Input):
    name: str = Field(max_length=100)
    level: str = one_of(Agency.Level.values)
    region_code: str = Field(description="Six digits, e.g. 610102.")
    short_name: str = Field(max_length=8, description="For document numbers, e.g. 陕.")
    parent_code: str = ""
    responsible_unit: str = ""
    number_template: str = Field("", description=NUMBER_TEMPLATE_HELP + " Empty: the default.")


class CertificateOut(Schema):
    number: str
    issuer: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: str = one_of(Certificate.Status.values)
    in_force: bool = Field(description="Valid status and today within its dates (第十条).")


class CertificateIn(Input):
    number: str = Field(max_length=32)
    issuer: str = one_of(Certificate.Issuer.values)
    valid_from: datetime.date
    valid_to: datetime.date


class CertificateStatusIn(Input):
    status: str = one_of(Certificate.Status.values)


class PersonOut(Schema):
    id: int = Field(description="The officer id used for matter handlers.")
    username: str
    name: str
    agency: AgencyRef
    employment: str = one_of(Officer.Employment.values)
    roles: list[str]
    active: bool
    can_enforce: bool = Field(
        description="第十条: established staff with the officer role and a certificate in force."
    )
    certificates: list[CertificateOut]


class PersonIn(Input):
    username: str = Field(max_length=150)
    name: str = Field(max_length=50)
    roles: list[str] = Field(default_factory=list, json_schema_extra=ROLE_ITEMS)
    employment: str = one_of(Officer.Employment.values, default=Officer.Employment.ESTABLISHED)
    password: str = Field("", description="Leave empty for a login that cannot use a password.")


class MeOut(Schema):
    username: str
    officer: PersonOut | None = Field(description="None for a login without an officer profile.")


def agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(region_code=agency.region_code, name=agency.name, level=agency.level)


def agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        region_code=agency.region_code,
        name=agency.name,
        level=agency.level,
        short_name=agency.short_name,
        parent=agency.parent.region_code if agency.parent else None,
        responsible_unit=agency.responsible_unit,
        responsible_person=(
            agency.responsible_person.user.get_username() if agency.responsible_person else None
        ),
        number_template=agency.number_template,
    )


def in_force(certificate: Certificate, on: datetime.date) -> bool:
    # The same test as Officer.valid_certificate, on rows already fetched.
    return (
        certificate.status == Certificate.Status.VALID
        and certificate.valid_from <= on <= certificate.valid_to
    )


def certificate_out(certificate: Certificate, on: datetime.date | None = None) -> CertificateOut:
    return CertificateOut(
        number=certificate.number,
        issuer=certificate.issuer,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        status=certificate.status,
        in_force=in_force(certificate, on or timezone.localdate()),
    )


def person_out(officer: Officer) -> PersonOut:
    """Expects ``user``, ``agency`` and ``certificates`` fetched along (one query per list)."""
    today = timezone.localdate()
    certificates = sorted(officer.certificates.all(), key=lambda c: (c.valid_to, c.number))
    can_enforce = (
        officer.employment == Officer.Employment.ESTABLISHED
        and officer.has_role(Role.OFFICER)
        and any(in_force(c, today) for c in certificates)
    )
    return PersonOut(
        id=officer.pk,
        username=officer.user.get_username(),
        name=officer.name,
        agency=agency_ref(officer.agency),
        employment=officer.employment,
        roles=list(officer.roles),
        active=officer.user.is_active,
        can_enforce=can_enforce,
        certificates=[certificate_out(c, today) for c in certificates],
    )


class OfficerRef(Schema):
    id: int
    username: str
    name: str


def officer_ref(officer: Officer) -> OfficerRef:
    return OfficerRef(id=officer.pk, username=officer.user.get_username(), name=officer.name)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")
