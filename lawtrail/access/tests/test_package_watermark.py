"""The recipient's watermark (第二十条): who a copy is for, under which request and when; the
working copy's own lines are unchanged when there is no recipient."""

from __future__ import annotations

import datetime

from PIL import Image, ImageDraw, ImageFont

from lawtrail.access.tests.package_fixtures import RECIPIENT
from lawtrail.evidence import derivatives

MADE = datetime.datetime(2026, 11, 26, 2, 30, tzinfo=datetime.UTC)


def test_the_lines_name_the_recipient_the_request_and_the_time() -> None:
    lines = derivatives.recipient_lines(
        RECIPIENT.name, RECIPIENT.organisation, RECIPIENT.request_number, MADE
    )
    assert lines == [
        "提供给 西安市新城区人民法院 李法官",
        "申请号 新卫复〔2026〕7号 制作 2026-11-26 10:30:00",
    ]
    facts = derivatives.Facts(matter_number="新卫检〔2026〕1号", evidence_id=1, sha256="a" * 64)
    plain = facts.lines()
    facts.recipient = lines
    assert facts.lines() == [*plain, *lines]


def test_every_recipient_character_has_a_glyph() -> None:
    font = ImageFont.truetype(str(derivatives.font_path()), 32)

    def rendered(char: str) -> bytes:
        image = Image.new("L", (48, 48))
        ImageDraw.Draw(image).text((4, 4), char, font=font, fill=255)
        return image.tobytes()

    missing = rendered("\U0010fffd")
    text = "".join(derivatives.recipient_lines("李法官", "复议机关", "〔2026〕7号", MADE))
    for char in set(text) - {" "}:
        assert rendered(char) != missing, char
