"""Pages of the archive under /archive/ (第十八条)."""

from __future__ import annotations

from lawtrail.archive import views

app_name = "archive"

urlpatterns = views.urlpatterns
