"""Administration of agencies and people (system administrators only; scope.can_administer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lawtrail.agencies import people
from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.agencies.numbering import example_number
from lawtrail.errors import ActionError, NotFound, Refused
from lawtrail.web.forms.manage import (
    AgencyForm,
    CertificateForm,
    CertificateStatusForm,
    EmploymentForm,
    NumberTemplateForm,
    PersonForm,
    ResponsibleForm,
    RolesForm,
)
from lawtrail.web.shortcuts import admin_page, apply_error


def agency_by_code(code: str) -> Agency:
    agency = Agency.objects.filter(region_code=code).first()
    if agency is None:
        raise NotFound(_("No such agency."))
    return agency


def person_by_id(pk: int) -> Officer:
    officer = Officer.objects.select_related("user", "agency").filter(pk=pk).first()
    if officer is None:
        raise NotFound(_("No such person."))
    return officer


def rendered(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    error: ActionError | None,
    *forms_: Any,
) -> HttpResponse:
    failed = any(f.errors for f in forms_)
    context = {**context, "error": error, "nav": "manage"}
    if isinstance(error, Refused):
        context["unmet"] = error.unmet
    status = error.status if error else (422 if failed else 200)
    return render(request, template, context, status=status)


@admin_page
def agencies(request: HttpRequest) -> HttpResponse:
    rows = []
    for agency in Agency.objects.select_related("responsible_person").order_by("path"):
        rows.append(
            {
                "agency": agency,
                "depth": agency.path.count("/") - 1,
                "people": agency.officers.count(),
            }
        )
    return render(request, "web/manage/agencies.html", {"rows": rows, "nav": "manage"})


@admin_page
@require_http_methods(["GET", "POST"])
def agency_new(request: HttpRequest) -> HttpResponse:
    error: ActionError | None = None
    form = AgencyForm(request.POST or None, initial={"parent_code": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        try:
            agency = people.create_agency(request.user, people.AgencyInput(**form.cleaned_data))
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, _("Agency %(name)s created.") % {"name": agency.name})
            return redirect("web:agency", code=agency.region_code)
    return rendered(request, "web/manage/agency_new.html", {"form": form}, error, form)


def agency_context(agency: Agency, **forms_: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "agency": agency,
        "form": ResponsibleForm(
            agency,
            initial={
                "responsible_unit": agency.responsible_unit,
                "responsible_person": agency.responsible_person_id,
            },
        ),
        "template_form": NumberTemplateForm(initial={"number_template": agency.number_template}),
        "number_example": example_number(agency),
        "children": agency.children.order_by("region_code"),
        "officers": agency.officers.select_related("user").order_by("name"),
    }
    context.update(forms_)
    return context


@admin_page
@require_http_methods(["GET", "POST"])
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = agency_by_code(code)
    if request.method != "POST":
        return rendered(request, "web/manage/agency.html", agency_context(agency), None)
    error: ActionError | None = None
    form = ResponsibleForm(agency, request.POST)
    if form.is_valid():
        try:
            people.set_responsible(
                request.user,
                agency,
                form.cleaned_data["responsible_unit"],
                form.cleaned_data["responsible_person"],
            )
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, _("Responsibility recorded."))
            return redirect("web:agency", code=agency.region_code)
    context = agency_context(agency, form=form, failed="responsible")
    return rendered(request, "web/manage/agency.html", context, error, form)


@admin_page
@require_POST
def agency_number_template(request: HttpRequest, code: str) -> HttpResponse:
    """卫生部令第87号 第四条: the 文号 template is data the administrator sets."""
    agency = agency_by_code(code)
    form = NumberTemplateForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            people.set_number_template(request.user, agency, form.cleaned_data["number_template"])
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(
                request,
                _("Document numbers now read like %(example)s.")
                % {"example": example_number(agency)},
            )
            return redirect(reverse("web:agency", args=[agency.region_code]) + "#numbers")
    agency.refresh_from_db()
    context = agency_context(agency, template_form=form, failed="numbers")
    return rendered(request, "web/manage/agency.html", context, error, form)


@admin_page
def person_list(request: HttpRequest) -> HttpResponse:
    officers = Officer.objects.select_related("user", "agency").order_by("agency__path", "name")
    code = request.GET.get("agency", "")
    if code:
        officers = officers.filter(agency__region_code=code)
    rows = [{"officer": o, "certificate": o.valid_certificate()} for o in officers]
    return render(
        request,
        "web/manage/people.html",
        {
            "rows": rows,
            "agencies": Agency.objects.order_by("path"),
            "agency_code": code,
            "nav": "manage",
        },
    )


@admin_page
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    error: ActionError | None = None
    form = PersonForm(request.POST or None, initial={"agency_code": request.GET.get("agency")})
    if request.method == "POST" and form.is_valid():
        try:
            officer = people.create_person(request.user, people.PersonInput(**form.cleaned_data))
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(
                request,
                _("%(name)s can now log in as %(username)s.")
                % {"name": officer.name, "username": officer.user.get_username()},
            )
            return redirect("web:person", pk=officer.pk)
    return rendered(request, "web/manage/person_new.html", {"form": form}, error, form)


def person_context(officer: Officer, **forms_: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "person": officer,
        "certificates": officer.certificates.order_by("-valid_to"),
        "valid_certificate": officer.valid_certificate(),
        "certificate_form": CertificateForm(),
        "status_choices": Certificate.Status.choices,
        "roles_form": RolesForm(initial={"roles": officer.roles}),
        "employment_form": EmploymentForm(initial={"employment": officer.employment}),
    }
    context.update(forms_)
    return context


@admin_page
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    officer = person_by_id(pk)
    return render(request, "web/manage/person.html", {**person_context(officer), "nav": "manage"})


def person_url(officer: Officer, anchor: str = "") -> str:
    return reverse("web:person", args=[officer.pk]) + (f"#{anchor}" if anchor else "")


def person_change(
    request: HttpRequest,
    officer: Officer,
    form: forms.Form,
    change: Callable[[dict[str, Any]], str],
    *,
    section: str,
    form_name: str,
    failed: str = "",
) -> HttpResponse:
    """One change on the person page: a valid form runs ``change`` (an action, returning the
    message to show) and goes back to ``section``; a refusal shows the page again with the
    form, its errors and the action's status."""
    error: ActionError | None = None
    if form.is_valid():
        try:
            message = change(form.cleaned_data)
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, message)
            return redirect(person_url(officer, section))
    context = person_context(officer, **{form_name: form}, failed=failed or section)
    return rendered(request, "web/manage/person.html", context, error, form)


@admin_page
@require_POST
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    officer = person_by_id(pk)

    def add(data: dict[str, Any]) -> str:
        people.add_certificate(request.user, officer, **data)
        return _("Certificate added.")

    return person_change(
        request,
        officer,
        CertificateForm(request.POST),
        add,
        section="certificates",
        form_name="certificate_form",
    )


@admin_page
@require_POST
def person_roles(request: HttpRequest, pk: int) -> HttpResponse:
    officer = person_by_id(pk)

    def set_roles(data: dict[str, Any]) -> str:
        people.set_roles(request.user, officer, data["roles"])
        return _("Roles changed.")

    form = RolesForm(request.POST)
    return person_change(request, officer, form, set_roles, section="roles", form_name="roles_form")


@admin_page
@require_POST
def person_active(request: HttpRequest, pk: int) -> HttpResponse:
    officer = person_by_id(pk)
    active = request.POST.get("active") == "1"
    try:
        people.set_active(request.user, officer, active)
    except ActionError as exc:
        return rendered(
            request, "web/manage/person.html", person_context(officer, failed="active"), exc
        )
    if active:
        messages.success(request, _("%(name)s can log in again.") % {"name": officer.name})
    else:
        messages.success(
            request, _("%(name)s is deactivated and can no longer log in.") % {"name": officer.name}
        )
    return redirect(person_url(officer))


@admin_page
@require_POST
def certificate_status(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """第十条: suspend, revoke or restore an enforcement certificate."""
    officer = person_by_id(pk)
    certificate = Certificate.objects.filter(officer=officer, number=number).first()
    if certificate is None:
        raise NotFound(_("No such certificate."))

    def set_status(data: dict[str, Any]) -> str:
        people.set_certificate_status(request.user, certificate, data["status"])
        return _("Certificate %(number)s is now %(status)s.") % {
            "number": certificate.number,
            "status": certificate.get_status_display(),
        }

    return person_change(
        request,
        officer,
        CertificateStatusForm(request.POST),
        set_status,
        section="certificates",
        form_name="status_form",
        failed="certificate_status",
    )


@admin_page
@require_POST
def person_employment(request: HttpRequest, pk: int) -> HttpResponse:
    """第十条: established staff, not established, or assistant (协助人员)."""
    officer = person_by_id(pk)

    def set_employment(data: dict[str, Any]) -> str:
        changed = people.set_employment(request.user, officer, data["employment"], data["reason"])
        return _("%(name)s is now: %(employment)s.") % {
            "name": changed.name,
            "employment": changed.get_employment_display(),
        }

    return person_change(
        request,
        officer,
        EmploymentForm(request.POST),
        set_employment,
        section="employment",
        form_name="employment_form",
    )
