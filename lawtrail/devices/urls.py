"""The pages of devices and stations, under /devices/ (included from ``lawtrail.urls``)."""

from __future__ import annotations

from django.urls import path

from lawtrail.devices import views

app_name = "devices"

# The fixed words come first: a serial number can never be one of them
# (registry.RESERVED_SERIALS).
urlpatterns = [
    path("", views.device_list, name="devices"),
    path("new/", views.device_new, name="device_new"),
    path("overdue/", views.overdue, name="overdue"),
    path("stations/", views.station_list, name="stations"),
    path("stations/new/", views.station_new, name="station_new"),
    path("stations/<int:pk>/", views.station_detail, name="station"),
    path("stations/<int:pk>/revoke/", views.station_revoke, name="station_revoke"),
    path("<str:serial>/", views.device_detail, name="device"),
    path("<str:serial>/assign/", views.device_assign, name="device_assign"),
    path("<str:serial>/status/", views.device_status, name="device_status"),
]
