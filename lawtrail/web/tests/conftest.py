"""Fixtures of the page tests: the province's personas, logged-in clients and a matter."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from lawtrail.ledger.models import Event
from lawtrail.matters import actions
from lawtrail.matters.models import Matter
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def page_test_settings(settings: Any, tmp_path: Path) -> None:
    """Page tests run without ``collectstatic``, so {% static %} needs no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path  # WhiteNoise warns about a missing folder otherwise


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    """LocaleMiddleware leaves the last request's language active in the thread; reset it so
    that tests running after these (any app's) start from the default language."""
    yield
    translation.deactivate()


@pytest.fixture
def login(client: Client, province: Province) -> Callable[[str], Client]:
    """``login("officer_a")`` logs the test client in as that persona, in Chinese."""

    def as_user(username: str) -> Client:
        officer = getattr(province, username)
        client.force_login(officer.user)
        return client

    return as_user


def open_matter(province: Province, **overrides: Any) -> Matter:
    data = actions.MatterInput(
        kind=overrides.pop("kind", "inspection"),
        title=overrides.pop("title", "某餐饮店卫生监督检查"),
        place=overrides.pop("place", "西安市新城区解放路1号"),
        parties=[
            actions.PartyInput(
                type="organisation", name="西安某餐饮有限公司", credit_code=valid_uscc()
            )
        ],
        handlers=[province.officer_a.pk, province.officer_a2.pk],
        lead=province.officer_a.pk,
        gis_points=[actions.GisInput(latitude="34.266", longitude="108.954", label="门口")],
        flags=overrides.pop("flags", {"av_contentious": True}),
        **overrides,
    )
    return actions.open_matter(province.officer_a.user, province.county_a, data)


def valid_uscc() -> str:
    from lawtrail.matters.identifiers import uscc_check

    first17 = "91610102MA6U0XXX0"
    return first17 + uscc_check(first17)


def valid_resident_id() -> str:
    from lawtrail.matters.identifiers import resident_id_check

    first17 = "61010219900101123"
    return first17 + resident_id_check(first17)


@pytest.fixture
def matter_a(province: Province) -> Matter:
    """An inspection of county A handled by officer_a (lead) and officer_a2."""
    return open_matter(province)


@pytest.fixture
def event_count() -> Callable[[], int]:
    return lambda: Event.objects.count()


def tiny_png(width: int = 4, height: int = 2) -> bytes:
    """A whole, valid greyscale PNG, as the signature pad would send."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def png_data_url(png: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(png or tiny_png()).decode()


def inspection_post(**overrides: str) -> dict[str, str]:
    """The page's form for a 现场检查笔录 (on_site_inspection), filled in."""
    data = {
        "record_type": "on_site_inspection",
        "f_inspected_party": "西安某餐饮有限公司",
        "f_address": "西安市新城区解放路1号",
        "f_started_at": "2025-03-01T09:00",
        "f_ended_at": "2025-03-01T10:30",
        "f_place": "后厨",
        "f_officers": "张明 61010200001\n李华 61010200002",
        "f_identity_shown": "是",
        "f_findings": "后厨地面有积水，消毒记录不全。",
        "f_recorder": "李华",
    }
    data.update(overrides)
    return data


@pytest.fixture
def inspection_record(matter_a: Matter, province: Province) -> Any:
    from lawtrail.records import actions as records

    return records.create_record(
        province.officer_a.user,
        matter_a,
        "on_site_inspection",
        {
            "inspected_party": "西安某餐饮有限公司",
            "address": "西安市新城区解放路1号",
            "started_at": "2025-03-01T09:00",
            "ended_at": "2025-03-01T10:30",
            "place": "后厨",
            "officers": ["张明 61010200001", "李华 61010200002"],
            "identity_shown": "是",
            "findings": "后厨地面有积水。",
            "recorder": "李华",
        },
    )
