"""GET /healthz: the state of the database and the data folder, for load balancers and people."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure here is what the check reports
        checks["database"] = f"error: {error.__class__.__name__}"
    home = settings.LAWTRAIL_HOME
    if not home.is_dir():
        checks["data_folder"] = "error: missing"
    elif not os.access(home, os.W_OK):
        checks["data_folder"] = "error: not writable"
    else:
        checks["data_folder"] = "ok"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
