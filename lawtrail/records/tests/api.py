"""A JSON client for the records API tests (lawtrail/api/tests/test_records_*.py)."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.test import Client

from lawtrail.agencies.models import Officer
from lawtrail.api.tokens import create_token
from lawtrail.ledger.models import Event
from lawtrail.records.models import Record, RecordVersion, Service, Signature
from lawtrail.records.tests.helpers import png

API = "/api/v1"


class JsonClient:
    """Talks JSON to /api/v1 with an officer's bearer token."""

    def __init__(self, officer: Officer | None) -> None:
        self.client = Client()
        self.headers = {}
        if officer is not None:
            self.headers["Authorization"] = f"Bearer {create_token(officer.user)}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            API + path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def post_raw(self, path: str, data: bytes | str, content_type: str) -> Any:
        return self.client.post(API + path, data, content_type=content_type, headers=self.headers)


def counts() -> tuple[int, ...]:
    """What a refused request must leave as it was."""
    return (
        Event.objects.count(),
        Record.objects.count(),
        RecordVersion.objects.count(),
        Signature.objects.count(),
        Service.objects.count(),
    )


def png_base64(**kw: int) -> str:
    return base64.b64encode(png(**kw)).decode()
