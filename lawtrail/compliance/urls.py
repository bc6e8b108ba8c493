"""Pages of compliance under /compliance/ (第二十四条): deadlines, findings, dashboards,
the annual assessment and the internal audit."""

from __future__ import annotations

from lawtrail.compliance import assessment_views, views

app_name = "compliance"

urlpatterns = [*views.urlpatterns, *assessment_views.urlpatterns]
