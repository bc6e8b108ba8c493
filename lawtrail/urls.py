from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from lawtrail.api import uploads
from lawtrail.api.api import api, mount_routers
from lawtrail.web import health

mount_routers()

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # tus clients given the endpoint without its slash POST there; a redirect would lose the body.
    path("api/v1/uploads", uploads.collection),
    path("api/v1/uploads/", include("lawtrail.api.uploads_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("devices/", include("lawtrail.devices.urls")),
    path("security/", include("lawtrail.security.urls")),
    path("access/", include("lawtrail.access.urls")),
    path("compliance/", include("lawtrail.compliance.urls")),
    path("archive/", include("lawtrail.archive.urls")),
    path("", include("lawtrail.web.urls")),
]
