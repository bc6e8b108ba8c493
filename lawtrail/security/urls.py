from __future__ import annotations

from django.urls import path

from lawtrail.security import views

app_name = "security"

urlpatterns = [
    path("second-factor/", views.verify, name="verify"),
    path("second-factor/enrol/", views.enrol, name="enrol"),
    path("people/<int:pk>/second-factor/reset/", views.reset, name="reset"),
]
