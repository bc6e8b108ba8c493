"""第二十二条: only the VPN's networks reach lawtrail; everyone else gets a clear 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lawtrail.ledger.models import Event

OUTSIDE = "203.0.113.7"
INSIDE = "10.61.4.20"


@pytest.fixture
def vpn_only(settings: Any) -> None:
    settings.LAWTRAIL_ALLOWED_NETWORKS = ["10.61.0.0/16"]
    settings.LAWTRAIL_TRUSTED_PROXIES = []
    settings.LAWTRAIL_BEHIND_TLS_PROXY = False


def refusals() -> list[Event]:
    return list(Event.objects.filter(action="network.refused"))


@pytest.mark.django_db
def test_a_request_from_outside_is_refused_with_a_page(client: Client, vpn_only: None) -> None:
    response = client.get("/login/", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert "VPN" in response.content.decode()


@pytest.mark.django_db
def test_the_api_refuses_outsiders_in_json(client: Client, vpn_only: None) -> None:
    response = client.get("/api/v1/matters", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 403
    assert "VPN" in response.json()["detail"]


@pytest.mark.django_db
def test_the_vpn_and_loopback_are_let_through(client: Client, vpn_only: None) -> None:
    assert client.get("/login/", REMOTE_ADDR=INSIDE).status_code == 200
    assert client.get("/login/", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/login/", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
def test_nothing_is_refused_when_no_networks_are_set(client: Client, settings: Any) -> None:
    settings.LAWTRAIL_ALLOWED_NETWORKS = []
    assert client.get("/login/", REMOTE_ADDR=OUTSIDE).status_code == 200


@pytest.mark.django_db
def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(
    client: Client, vpn_only: None, settings: Any
) -> None:
    settings.LAWTRAIL_BEHIND_TLS_PROXY = True  # but the sender is no trusted proxy
    response = client.get("/login/", REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR=INSIDE)
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_trusted_proxy_passes_on_the_clients_address(
    client: Client, vpn_only: None, settings: Any
) -> None:
    settings.LAWTRAIL_BEHIND_TLS_PROXY = True
    settings.LAWTRAIL_TRUSTED_PROXIES = ["127.0.0.1/32"]
    forwarded = f"{OUTSIDE}, 127.0.0.1"
    response = client.get("/login/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 403
    assert refusals()[0].body  # the client's address, not the proxy's, is refused
    assert OUTSIDE.encode() in bytes(refusals()[0].body)
    inside = f"{INSIDE}, 127.0.0.1"
    assert client.get("/login/", HTTP_X_FORWARDED_FOR=inside).status_code == 200


@pytest.mark.django_db
def test_a_refusal_is_a_ledger_event_at_most_once_a_minute_per_address(
    client: Client, vpn_only: None
) -> None:
    for _ in range(20):
        client.get("/api/v1/matters", REMOTE_ADDR=OUTSIDE)
    client.get("/login/", REMOTE_ADDR="198.51.100.9")
    events = refusals()
    assert len(events) == 2
    body = bytes(events[0].body).decode()
    assert OUTSIDE in body and "/api/v1/matters" in body
    assert events[0].actor == "system"
