"""/api/v1/agencies, /api/v1/people and /api/v1/me: the directory of agencies and people.

Everyone sees the agencies of their scope and the people in them; system administrators see
and manage all (``lawtrail.agencies.scope``). Changes go through ``lawtrail.agencies.people``.
"""

from __future__ import annotations

import re

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lawtrail.agencies import people
from lawtrail.agencies.models import Agency, Certificate, Officer, Role
from lawtrail.agencies.scope import officer_of, visible_agencies
from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import (
    NUMBER_TEMPLATE_HELP,
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyIn,
    AgencyOut,
    CertificateIn,
    CertificateOut,
    CertificateStatusIn,
    Input,
    MeOut,
    PageParams,
    PersonIn,
    PersonOut,
    agency_out,
    certificate_out,
    one_of,
    person_out,
)
from lawtrail.errors import Invalid, NotFound


class NumberTemplateIn(Input):
    number_template: str = Field(max_length=64, description=NUMBER_TEMPLATE_HELP)


class AgencyFilters(PageParams):
    level: str | None = one_of(Agency.Level.values, default=None)
    parent: str | None = Field(None, description="The parent agency's region code.")
    q: str | None = Field(None, description="Part of the name or region code.")


class AgencyPage(Schema):
    items: list[AgencyOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class PeopleFilters(PageParams):
    role: str | None = one_of(Role.values, default=None)
    employment: str | None = one_of(Officer.Employment.values, default=None)
    active: bool | None = Field(None, description="Whether the login is active.")
    q: str | None = Field(None, description="Part of the name or username.")
    certificate_valid: bool | None = Field(
        None, description="第十条: holds an enforcement certificate in force today."
    )


class PersonPage(Schema):
    items: list[PersonOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class EmploymentIn(Input):
    employment: str = one_of(Officer.Employment.values)
    reason: str = Field(max_length=500)


def one_of_values(name: str, value: str, values: list[str]) -> None:
    if value not in values:
        raise Invalid(
            _("Unknown %(name)s %(value)s.") % {"name": name, "value": value},
            {name: [", ".join(values)]},
        )


def filtered_agencies(user: object, filters: AgencyFilters) -> models.QuerySet[Agency]:
    agencies = visible_agencies(user)
    if filters.level is not None:
        one_of_values("level", filters.level, Agency.Level.values)
        agencies = agencies.filter(level=filters.level)
    if filters.parent is not None:
        if not re.fullmatch(r"\d{6}", filters.parent):
            raise Invalid(
                _("A region code has six digits."), {"parent": [_("Six digits, e.g. 610100.")]}
            )
        agencies = agencies.filter(parent__region_code=filters.parent)
    if filters.q:
        text = filters.q.strip()
        agencies = agencies.filter(models.Q(name__icontains=text) | models.Q(region_code=text))
    return agencies


def filtered_people(agency: Agency, filters: PeopleFilters) -> models.QuerySet[Officer]:
    officers = people_of(Agency.objects.filter(pk=agency.pk))
    if filters.role is not None:
        one_of_values("role", filters.role, Role.values)
        officers = officers.filter(role_index__contains=f",{filters.role},")
    if filters.employment is not None:
        one_of_values("employment", filters.employment, Officer.Employment.values)
        officers = officers.filter(employment=filters.employment)
    if filters.active is not None:
        officers = officers.filter(user__is_active=filters.active)
    if filters.q:
        text = filters.q.strip()
        officers = officers.filter(
            models.Q(name__icontains=text) | models.Q(user__username__icontains=text)
        )
    if filters.certificate_valid is not None:
        # The same test as Officer.valid_certificate, for every row in one query.
        today = timezone.localdate()
        in_force = Certificate.objects.filter(
            officer=models.OuterRef("pk"),
            status=Certificate.Status.VALID,
            valid_from__lte=today,
            valid_to__gte=today,
        )
        has = models.Exists(in_force)
        officers = officers.filter(has if filters.certificate_valid else ~has)
    return officers


router = Router(tags=["agencies"])
people_router = Router(tags=["agencies"])
me_router = Router(tags=["agencies"])


def people_of(agencies: models.QuerySet[Agency]) -> models.QuerySet[Officer]:
    return (
        Officer.objects.filter(agency__in=agencies)
        .select_related("user", "agency")
        .prefetch_related("certificates")
        .order_by("agency__path", "name", "pk")
    )


def visible_agency(request: HttpRequest, region_code: str) -> Agency:
    agency = visible_agencies(caller(request)).filter(region_code=region_code).first()
    if agency is None:
        raise NotFound(_("No such agency."))
    return agency


def visible_person(request: HttpRequest, username: str) -> Officer:
    officer = people_of(visible_agencies(caller(request))).filter(user__username=username).first()
    if officer is None:
        raise NotFound(_("No such person."))
    return officer


@router.get("", response={200: AgencyPage, **READ_ERRORS}, summary="Visible agencies")
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> AgencyPage:
    """The agencies of the caller's directory, from the province down, a keyset page at a time."""
    page = paginate(
        filtered_agencies(caller(request), filters).select_related(
            "parent", "responsible_person__user"
        ),
        ["path", "id"],
        limit=filters.limit,
        after=filters.after,
    )
    return AgencyPage(items=[agency_out(a) for a in page.rows], next=page.next)


@router.post("", response={201: AgencyOut, **WRITE_ERRORS}, summary="Create an agency (admin)")
def create_agency(request: HttpRequest, data: AgencyIn) -> Status[AgencyOut]:
    agency = people.create_agency(caller(request), people.AgencyInput(**data.model_dump()))
    return Status(201, agency_out(agency))


@router.post(
    "/{region_code}/number-template",
    response={200: AgencyOut, **WRITE_ERRORS},
    summary="Set the document number template (admin)",
)
def set_number_template(
    request: HttpRequest, region_code: str, data: NumberTemplateIn
) -> AgencyOut:
    """卫生部令第87号 第四条: how the agency's 文号 read, e.g. {short}卫{nature}〔{year}〕第{seq}号.
    Numbers already issued keep their text; a bad template is 422 naming the placeholder."""
    agency = visible_agency(request, region_code)
    return agency_out(people.set_number_template(caller(request), agency, data.number_template))


@router.get(
    "/{region_code}/people",
    response={200: PersonPage, **READ_ERRORS},
    summary="People of an agency",
)
def list_people(
    request: HttpRequest, region_code: str, filters: Query[PeopleFilters]
) -> PersonPage:
    """With their roles and enforcement certificates (第十条), by name, a page at a time."""
    agency = visible_agency(request, region_code)
    page = paginate(
        filtered_people(agency, filters), ["name", "id"], limit=filters.limit, after=filters.after
    )
    return PersonPage(items=[person_out(o) for o in page.rows], next=page.next)


@router.post(
    "/{region_code}/people",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="Create a person (admin)",
)
def create_person(request: HttpRequest, region_code: str, data: PersonIn) -> Status[PersonOut]:
    officer = people.create_person(
        caller(request), people.PersonInput(agency_code=region_code, **data.model_dump())
    )
    return Status(201, person_out(people_of(Agency.objects.all()).get(pk=officer.pk)))


@people_router.get("/{username}", response={200: PersonOut, **READ_ERRORS}, summary="A person")
def get_person(request: HttpRequest, username: str) -> PersonOut:
    return person_out(visible_person(request, username))


@people_router.post(
    "/{username}/certificates",
    response={201: CertificateOut, **WRITE_ERRORS},
    summary="Add a certificate (admin)",
)
def add_certificate(
    request: HttpRequest, username: str, data: CertificateIn
) -> Status[CertificateOut]:
    """第十条: an enforcement certificate of 陕西省政府法制办 or 省卫生计生委."""
    officer = visible_person(request, username)
    certificate = people.add_certificate(caller(request), officer, **data.model_dump())
    return Status(201, certificate_out(certificate))


@people_router.post(
    "/{username}/certificates/{number}/status",
    response={200: CertificateOut, **WRITE_ERRORS},
    summary="Suspend, revoke or restore a certificate (admin)",
)
def set_certificate_status(
    request: HttpRequest, username: str, number: str, data: CertificateStatusIn
) -> CertificateOut:
    officer = visible_person(request, username)
    certificate = Certificate.objects.filter(officer=officer, number=number).first()
    if certificate is None:
        raise NotFound(_("No such certificate."))
    changed = people.set_certificate_status(caller(request), certificate, data.status)
    return certificate_out(changed)


@people_router.post(
    "/{username}/employment",
    response={200: PersonOut, **WRITE_ERRORS},
    summary="Change a person's employment (admin, head)",
)
def set_employment(request: HttpRequest, username: str, data: EmploymentIn) -> PersonOut:
    """Established staff, not established, or assistant (协助人员, 第十条); system
    administrators and the head of the person's agency. 409 while an assistant-to-be leads
    a matter that is not archived."""
    officer = visible_person(request, username)
    people.set_employment(caller(request), officer, data.employment, data.reason)
    return person_out(people_of(Agency.objects.all()).get(pk=officer.pk))


@me_router.get("", response={200: MeOut, **READ_ERRORS}, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    """The caller's login, agency, roles and certificates."""
    user = caller(request)
    officer = officer_of(user)
    person = None
    if officer is not None:
        person = person_out(people_of(Agency.objects.all()).get(pk=officer.pk))
    return MeOut(username=user.get_username(), officer=person)
