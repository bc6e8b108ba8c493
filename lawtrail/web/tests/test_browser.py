"""In a real browser: log in, open a matter, write a 现场检查笔录 signed on the signature pad,
move the stage, and see it all on the whole-process timeline; then play a body-camera video's
watermarked working copy on its evidence page (第十九条).

Runs Debian's chromium (never a downloaded browser) against ``lawtrail serve`` in a
subprocess. Set LAWTRAIL_SCREENSHOTS=/some/dir to keep screenshots of the pages it visits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawtrail.testing import PASSWORD
from lawtrail.web.tests import liveserver

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CREDIT_CODE = "91610102MA6U0XXX0" + "U"  # the check character is verified below

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install chromium); CI always has it",
    ),
]


# officer_a's body-camera video (real H.264 + AAC made with FFmpeg), uploaded an hour after the
# recording ended and waiting in the inbox, with its watermarked working copy and thumbnail made
# as the task worker would.
EVIDENCE = """
import datetime, pathlib, tempfile
from django.contrib.auth import get_user_model
from django.utils import timezone
from lawtrail.evidence import derivatives
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.tests.media import make_video
user = get_user_model().objects.get(username="officer_a")
end = timezone.now() - datetime.timedelta(hours=1)
with tempfile.TemporaryDirectory() as folder:
    video = make_video(pathlib.Path(folder) / "bodycam.mp4")
    arrival = ingest_file(user, video, IngestInput(
        filename="bodycam.mp4", officer="officer_a", device="BC-0001",
        recorded_from=(end - datetime.timedelta(seconds=2)).isoformat(),
        recorded_to=end.isoformat(),
    ))
derivatives.make_derivatives(arrival.evidence_id, None)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[liveserver.LiveServer]:
    running = liveserver.start(tmp_path_factory.mktemp("browser"), extra_setup=EVIDENCE)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(server: liveserver.LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        # A 10-inch tablet in landscape, as officers carry in the field.
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", has_touch=True
        )
        context.set_default_timeout(30_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> None:
    folder = os.getenv("LAWTRAIL_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def valid_credit_code() -> str:
    from lawtrail.matters.identifiers import uscc_check

    return CREDIT_CODE[:17] + uscc_check(CREDIT_CODE[:17])


def test_a_field_day_from_login_to_timeline(server: liveserver.LiveServer, page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    url = server.url
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: console_errors.append(f"{r.status} {r.url}") if r.status == 404 else None,
    )

    # Log in as officer_a (张明).
    page.goto(url + "/login/")
    shot(page, "01-login")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_url(url + "/")
    expect(page.locator("h1")).to_have_text("我的工作")

    # Open a matter: an inspection handled by 张明 and 李华, audio/video mandatory.
    page.click("nav.mainnav >> text=开启事项")
    page.select_option("#id_kind", "inspection")
    page.fill("#id_title", "某餐饮店卫生监督检查")
    page.fill("#id_place", "西安市新城区解放路1号")
    page.select_option("#id_party-0-type", "organisation")
    page.fill("#id_party-0-name", "西安某餐饮有限公司")
    page.fill("#id_party-0-credit_code", valid_credit_code())
    page.check("input[name=handlers] >> nth=1")  # 李华, officer_a2
    page.fill("#id_latitude", "34.266000")
    page.fill("#id_longitude", "108.954000")
    page.check("#id_av_contentious")
    shot(page, "02-open-matter")
    page.click("text=开启事项 >> nth=-1")
    page.wait_for_url(re.compile(r"/matters/\d+/$"))
    matter_url = page.url
    expect(page.locator(".avbanner")).to_contain_text("本事项必须进行音视频记录")
    expect(page.locator(".stagebar li.current")).to_contain_text("程序启动")

    # Write a 现场检查（勘验）笔录 from the form the catalogue generates.
    page.select_option("#new-type", "on_site_inspection")
    page.click("#records form.inline-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("现场检查（勘验）笔录")
    page.fill("#id_f_inspected_party", "西安某餐饮有限公司")
    page.fill("#id_f_address", "西安市新城区解放路1号")
    page.fill("#id_f_started_at", "2025-03-01T09:00")
    page.fill("#id_f_ended_at", "2025-03-01T10:30")
    page.fill("#id_f_place", "后厨")
    page.fill("#id_f_officers", "张明 61010200001\n李华 61010200002")
    page.select_option("#id_f_identity_shown", "是")
    page.fill("#id_f_findings", "后厨地面有积水，消毒记录不全。")
    page.fill("#id_f_recorder", "李华")
    page.click("text=保存文书")
    page.wait_for_url(re.compile(r"/records/\d+/$"))
    record_url = page.url

    # The party signs on the pad with the mouse.
    page.click("a.button >> text=签字")
    page.select_option("#id_signer_role", "party")
    page.fill("#id_signer_name", "王某")
    canvas = page.locator("canvas[data-sigpad]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 40, y + 150)
    page.mouse.down()
    for step in range(1, 40):
        page.mouse.move(x + 40 + step * 9, y + 150 - 60 * ((step % 10) / 10), steps=2)
    page.mouse.up()
    page.mouse.move(x + 200, y + 60)
    page.mouse.down()
    page.mouse.move(x + 260, y + 170, steps=8)
    page.mouse.up()
    image = page.input_value("#id_image_png")
    assert image.startswith("data:image/png;base64,")
    # A finger adds a stroke too (touch events become pointer events, pointerType "touch").
    cdp = page.context.new_cdp_session(page)
    start = {"x": x + 300, "y": y + 60}
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [start]})
    for step in range(1, 15):
        point = {"x": x + 300 + step * 8, "y": y + 60 + step * 5}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function(
        "before => document.getElementById('id_image_png').value !== before", arg=image
    )
    image = page.input_value("#id_image_png")
    assert image.startswith("data:image/png;base64,")
    shot(page, "03-sign")
    page.click("text=保存签字")
    page.wait_for_url(record_url)
    expect(page.locator(".signatures img.sigimg")).to_have_count(1)
    expect(page.locator(".signatures")).to_contain_text("王某")
    shot(page, "04-record")

    # Move the stage: two certified handlers, so investigation may begin.
    page.goto(matter_url)
    page.fill("#stage textarea[name=reason]", "现场检查完毕，开始调查")
    page.click("#stage button.primary")
    expect(page.locator(".notice.success")).to_contain_text("调查取证")
    expect(page.locator(".stagebar li.current")).to_contain_text("调查取证")

    # Everything is on the timeline, in ledger order.
    timeline = page.locator("#timeline")
    labels = timeline.locator(".tl-label").all_inner_texts()
    assert labels[0] == "开启事项（立案）"
    for label in ("制作文书", "文书签字", "推进阶段"):
        assert label in labels, labels
    assert labels.index("制作文书") < labels.index("文书签字") < labels.index("推进阶段")
    seqs = [int(s.lstrip("#")) for s in timeline.locator(".seq").all_inner_texts()]
    assert seqs == sorted(seqs) and len(seqs) == len(labels)
    expect(timeline).to_contain_text("王某")
    expect(timeline).to_contain_text("程序启动 → 调查取证")
    timeline.scroll_into_view_if_needed()
    shot(page, "05-matter")
    assert not console_errors, console_errors


def test_the_evidence_page_plays_the_working_copy(
    server: liveserver.LiveServer, page: object
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    url = server.url
    failures: list[str] = []
    page.on("console", lambda msg: failures.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )

    page.goto(url + "/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_url(url + "/")

    # The inbox: the video waits there, unbound, with its thumbnail.
    page.click("nav.mainnav a[href='/evidence/']")
    row = page.locator("#results tr[data-evidence]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("bodycam.mp4")
    expect(row.locator("img.thumb")).to_have_count(1)
    # The thumbnail decodes (a broken image has naturalWidth 0 once complete); under load it
    # may still be on its way when the row appears, so wait for it rather than sample it.
    page.wait_for_function(
        "() => { const img = document.querySelector('img.thumb');"
        " return img.complete && img.naturalWidth > 0; }",
        timeout=15000,
    )
    shot(page, "06-evidence-inbox")
    row.locator("a >> text=bodycam.mp4").click()
    page.wait_for_url(re.compile(r"/evidence/\d+/$"))

    # The player points at the working copy and plays it, with HTTP Range.
    video = page.locator("video[data-working-copy]")
    expect(video).to_have_attribute("src", re.compile(r"^/api/v1/evidence/\d+/working-copy$"))
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v.readyState >= 2 && v.currentTime > 0; }"
    )
    duration = page.evaluate("() => document.querySelector('video').duration")
    assert abs(duration - 2) < 0.5, duration  # the clip lasts 2 s
    width = page.evaluate("() => document.querySelector('video').videoWidth")
    assert width == 320, width
    expect(page.locator("[data-digest=sha256]")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("[data-download-original]")).to_have_count(1)
    shot(page, "07-evidence-page")
    assert not failures, failures
