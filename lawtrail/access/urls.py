"""Pages of access under /access/ (第二十条, 第二十一条)."""

from __future__ import annotations

from django.urls import path

from lawtrail.access import views

app_name = "access"

urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("grants/", views.grant_list, name="grants"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("grants/<int:pk>/packages/", views.grant_package, name="grant_package"),
    path(
        "grants/<int:pk>/packages/<str:name>",
        views.grant_package_download,
        name="grant_package_download",
    ),
    path("matters/<int:pk>/level/", views.matter_level_set, name="matter_level"),
    path("evidence/<int:pk>/level/", views.evidence_level_set, name="evidence_level"),
]
