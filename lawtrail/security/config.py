"""Reading the transport settings from the environment (第二十二条). Imported by
``lawtrail.settings``, so it imports nothing from Django but the exception."""

from __future__ import annotations

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def envnetworks(name: str, default: str = "") -> list[str]:
    """A comma-separated list of CIDRs (``10.61.0.0/16,fd00::/8``), each checked now so that a
    typo stops the start instead of refusing every request."""
    networks: list[str] = []
    for item in os.getenv(name, default).split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"Unexpected value in {name}: {item!r} is not a network; use CIDRs such as "
                "10.61.0.0/16, separated by commas"
            ) from None
    return networks


def check_https(require_https: bool, behind_proxy: bool) -> None:
    """lawtrail itself speaks plain HTTP: requiring HTTPS only makes sense behind a terminator
    that says so (``X-Forwarded-Proto``); otherwise every request would redirect forever."""
    if require_https and not behind_proxy:
        raise ImproperlyConfigured(
            "LAWTRAIL_REQUIRE_HTTPS=True needs LAWTRAIL_BEHIND_TLS_PROXY=True: lawtrail speaks "
            "plain HTTP and relies on the TLS terminator in front of it"
        )


def envpositive(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ImproperlyConfigured(
            f"Unexpected value {name}={value!r}, use a positive whole number"
        )
    return number
