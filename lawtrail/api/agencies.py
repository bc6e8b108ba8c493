"""/api/v1/agencies, /api/v1/people and /api/v1/me: the directory of agencies and people.

Everyone sees the agencies of their scope and the people in them; system administrators see
and manage all (``lawtrail.agencies.scope``). Changes go through ``lawtrail.agencies.people``.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from lawtrail.agencies import people
from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.agencies.scope import officer_of, visible_agencies
from lawtrail.api.api import caller
from lawtrail.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyIn,
    AgencyOut,
    CertificateIn,
    CertificateOut,
    CertificateStatusIn,
    MeOut,
    PersonIn,
    PersonOut,
    agency_out,
    certificate_out,
    person_out,
)
from lawtrail.errors import NotFound

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


@router.get("", response={200: list[AgencyOut], **READ_ERRORS}, summary="Visible agencies")
def list_agencies(request: HttpRequest) -> list[AgencyOut]:
    agencies = visible_agencies(caller(request)).select_related(
        "parent", "responsible_person__user"
    )
    return [agency_out(a) for a in agencies.order_by("path")]


@router.post("", response={201: AgencyOut, **WRITE_ERRORS}, summary="Create an agency (admin)")
def create_agency(request: HttpRequest, data: AgencyIn) -> Status[AgencyOut]:
    agency = people.create_agency(caller(request), people.AgencyInput(**data.model_dump()))
    return Status(201, agency_out(agency))


@router.get(
    "/{region_code}/people",
    response={200: list[PersonOut], **READ_ERRORS},
    summary="People of an agency",
)
def list_people(request: HttpRequest, region_code: str) -> list[PersonOut]:
    """With their roles and enforcement certificates (第十条)."""
    agency = visible_agency(request, region_code)
    return [person_out(o) for o in people_of(Agency.objects.filter(pk=agency.pk))]


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


@me_router.get("", response={200: MeOut, **READ_ERRORS}, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    """The caller's login, agency, roles and certificates."""
    user = caller(request)
    officer = officer_of(user)
    person = None
    if officer is not None:
        person = person_out(people_of(Agency.objects.all()).get(pk=officer.pk))
    return MeOut(username=user.get_username(), officer=person)
