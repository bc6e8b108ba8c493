from __future__ import annotations

from django.urls import path

from lawtrail.api import uploads

app_name = "uploads"

urlpatterns = [
    path("", uploads.collection, name="collection"),
    path("<str:upload_id>", uploads.item, name="item"),
]
