from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lawtrail.security.views import LoginView
from lawtrail.web.views import (
    deadlines,
    evidence,
    home,
    ledger,
    manage,
    matter_changes,
    matters,
    records,
)

app_name = "web"

# Django's login page, throttled (lawtrail/security); the second factor follows it.
login = LoginView.as_view()

urlpatterns = [
    path("login/", login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("matters/", matters.matter_list, name="matters"),
    path("matters/new/", matters.matter_open, name="matter_open"),
    path("matters/<int:pk>/", matters.matter_detail, name="matter"),
    path("matters/<int:pk>/approvals/", matter_changes.approval_request, name="approval_request"),
    path(
        "matters/<int:pk>/approvals/<int:approval_pk>/decide/",
        matter_changes.approval_decide,
        name="approval_decide",
    ),
    path("matters/<int:pk>/stage/", matter_changes.stage_advance, name="stage_advance"),
    path("matters/<int:pk>/stage/return/", matter_changes.stage_return, name="stage_return"),
    path(
        "matters/<int:pk>/review-requirements/",
        matter_changes.review_requirements,
        name="review_requirements",
    ),
    path("matters/<int:pk>/handlers/", matter_changes.handler_add, name="handler_add"),
    path("matters/<int:pk>/parties/", matter_changes.party_add, name="party_add"),
    path("matters/<int:pk>/gis/", matter_changes.gis_add, name="gis_add"),
    path("matters/<int:pk>/records/new/", records.record_new, name="record_new"),
    path("matters/<int:pk>/records/<int:record_pk>/", records.record_detail, name="record"),
    path(
        "matters/<int:pk>/records/<int:record_pk>/correct/",
        records.record_correct,
        name="record_correct",
    ),
    path("matters/<int:pk>/records/<int:record_pk>/sign/", records.record_sign, name="record_sign"),
    path(
        "matters/<int:pk>/records/<int:record_pk>/serve/", records.record_serve, name="record_serve"
    ),
    path("evidence/", evidence.evidence_list, name="evidence_list"),
    path("evidence/deadlines/", deadlines.deadline_record, name="deadlines"),
    path("evidence/<int:pk>/", evidence.evidence_detail, name="evidence"),
    path("evidence/<int:pk>/bind/", evidence.evidence_bind, name="evidence_bind"),
    path("ledger/", ledger.ledger_page, name="ledger"),
    path("ledger/verifier.py", ledger.verifier_download, name="ledger_verifier"),
    path("ledger/verifier-key.txt", ledger.verifier_key_download, name="ledger_key"),
    path("ledger/events/<int:seq>/proof.json", ledger.proof_bundle, name="ledger_proof"),
    path("manage/agencies/", manage.agencies, name="agencies"),
    path("manage/agencies/new/", manage.agency_new, name="agency_new"),
    path("manage/agencies/<str:code>/", manage.agency_detail, name="agency"),
    path(
        "manage/agencies/<str:code>/number-template/",
        manage.agency_number_template,
        name="agency_number_template",
    ),
    path("manage/people/", manage.person_list, name="people"),
    path("manage/people/new/", manage.person_new, name="person_new"),
    path("manage/people/<int:pk>/", manage.person_detail, name="person"),
    path("manage/people/<int:pk>/certificates/", manage.certificate_add, name="certificate_add"),
    path("manage/people/<int:pk>/roles/", manage.person_roles, name="person_roles"),
    path("manage/people/<int:pk>/active/", manage.person_active, name="person_active"),
    path(
        "manage/people/<int:pk>/certificates/<str:number>/status/",
        manage.certificate_status,
        name="certificate_status",
    ),
    path("manage/people/<int:pk>/employment/", manage.person_employment, name="person_employment"),
]
