"""Refusing requests from outside the allowed networks (第二十二条: records cross networks only
over the encrypted VPN). Configured by LAWTRAIL_ALLOWED_NETWORKS; loopback is always allowed."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from lawtrail.ledger import events

# At most one ledger event per refused address per this many seconds, so a scan cannot flood it.
REFUSAL_EVENT_SECONDS = 60


@cache
def parsed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in parsed(tuple(networks)))


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when the request came from a trusted proxy.

    The header is believed only with LAWTRAIL_BEHIND_TLS_PROXY and only from an address in
    LAWTRAIL_TRUSTED_PROXIES; anyone else could write any address into it.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if (
        forwarded
        and settings.LAWTRAIL_BEHIND_TLS_PROXY
        and in_networks(remote, settings.LAWTRAIL_TRUSTED_PROXIES)
    ):
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return remote


def is_allowed(address: str) -> bool:
    allowed: list[str] = settings.LAWTRAIL_ALLOWED_NETWORKS
    return not allowed or is_loopback(address) or in_networks(address, allowed)


def record_refusal(address: str, path: str) -> None:
    """A ledger event for a refused address, at most one per address a minute (the cache add is
    atomic: only the first request of the minute gets to write)."""
    if not django_cache.add(f"lawtrail.network.refused:{address}", 1, REFUSAL_EVENT_SECONDS):
        return
    with transaction.atomic():
        events.append(
            events.SYSTEM,
            "network.refused",
            ("network", address),
            {"address": address, "path": path[:200]},
        )


def refusal(request: HttpRequest) -> HttpResponse:
    message = _(
        "This address is outside the networks allowed to reach lawtrail. Connect through the "
        "VPN (第二十二条)."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    response = TemplateResponse(
        request, "web/error.html", {"error": {"status": 403, "message": message}}, status=403
    )
    return response.render()


class AllowedNetworksMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = client_address(request)
        if is_allowed(address):
            return self.get_response(request)
        record_refusal(address, request.path)
        return refusal(request)
