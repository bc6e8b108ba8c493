"""Real media for the demo: a body-camera video and on-site photos, ingested as evidence.

The files are made here, with the static FFmpeg of imageio-ffmpeg (H.264 + AAC in MP4, with an
ISO 6709 location) and Pillow (JPEG with an EXIF GPS block). They go through
the county's collection station (``equipment.Equipment.ingest``) as the station agent would
upload them: digests computed while the bytes are stored, the 第十七条 notice and the device
clock recorded, and the evidence then bound to its matter by its officer. ``lawtrail serve``'s
task worker then makes the watermarked working copies of 第十九条.
"""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from lawtrail.demo.equipment import Equipment
from lawtrail.demo.people import Staff
from lawtrail.demo.scenarios import Scenario
from lawtrail.evidence.ingest import IngestInput
from lawtrail.matters.models import Matter, Stage

NOTICE = "执法人员到达现场后出示执法证件，口头告知当事人执法过程全程录音录像。"


@dataclass(frozen=True)
class Shot:
    kind: str  # "video" or "photo"
    filename: str
    device: str
    minutes_ago: int
    seconds: int = 3


# Made when the matter enters 调查取证, by its lead handler. Every matter of a 第十四条 situation
# gets its video but one: the sampling at 幸福小区 (``estate_water_sampling``) has only the
# sampling list, so the compliance room shows a finding of 第十四条 for it.
SHOTS = {
    "dental_penalty": [
        Shot("video", "DSJ-XC-0213_现场检查.mp4", "DSJ-XC-0213", 45),
        Shot("photo", "2号诊室洁牙操作.jpg", "DSJ-XC-0213", 40),
    ],
    "salon_penalty": [
        Shot("video", "DSJ-XC-0213_营业场所检查.mp4", "DSJ-XC-0213", 38, seconds=4),
        Shot("photo", "经营场所未悬挂卫生许可证.jpg", "DSJ-XC-0207", 35),
    ],
    # Docked 52 hours after it was taken: the 48-hour record of 第十九条 shows it late.
    "restaurant_inspection": [
        Shot("video", "DSJ-XC-0213_后厨检查.mp4", "DSJ-XC-0213", 47 * 60, seconds=5),
        Shot("photo", "保洁柜未通电.jpg", "DSJ-XC-0207", 52 * 60),
    ],
    "clinic_inspection": [Shot("video", "DSJ-XC-0207_诊所检查.mp4", "DSJ-XC-0207", 25, seconds=6)],
    "water_penalty": [Shot("video", "DSJ-XC-0213_水厂检查.mp4", "DSJ-XC-0213", 20, seconds=7)],
    "tcm_penalty": [Shot("video", "DSJ-BL-0101_中医馆检查.mp4", "DSJ-BL-0101", 30, seconds=8)],
}


def ffmpeg(*args: str) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
         "-y", *args],
        check=True,
        capture_output=True,
    )  # fmt: skip


def iso6709(latitude: Decimal, longitude: Decimal) -> str:
    return f"{latitude:+.4f}{longitude:+.4f}/"


def make_video(path: Path, seconds: int, latitude: Decimal, longitude: Decimal) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-shortest", "-metadata", f"location={iso6709(latitude, longitude)}",
        str(path),
    )  # fmt: skip
    return path


def dms(value: Decimal) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = float(round((value - degrees - Decimal(minutes) / 60) * 3600, 4))
    return float(degrees), float(minutes), seconds


def make_photo(path: Path, taken: datetime.datetime, latitude: Decimal, longitude: Decimal) -> Path:
    from PIL import Image, ImageDraw
    from PIL.ExifTags import GPS, IFD, Base

    image = Image.new("RGB", (640, 480), (214, 208, 196))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 80, 580, 420), fill=(170, 186, 196), outline=(60, 60, 60), width=4)
    draw.rectangle((240, 200, 400, 420), fill=(120, 92, 64))
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif = Image.Exif()
    exif[Base.DateTime] = stamp
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = stamp
    exif.get_ifd(IFD.GPSInfo).update(
        {
            GPS.GPSLatitudeRef: "N",
            GPS.GPSLatitude: dms(latitude),
            GPS.GPSLongitudeRef: "E",
            GPS.GPSLongitude: dms(longitude),
        }
    )
    image.save(path, "JPEG", exif=exif, quality=85)
    return path


class MediaMaker:
    """Makes and ingests the demo's media (the ``walk`` hook); files live in a temporary folder."""

    def __init__(self, staff: Staff, folder: Path, equipment: Equipment) -> None:
        self.staff = staff
        self.folder = folder
        self.equipment = equipment
        self.count = 0
        self.shot: set[str] = set()

    def hook(self, scenario: Scenario, matter: Matter, stage: str, entered: bool) -> None:
        # Once per matter: a matter returned for investigation (tcm_penalty) enters it twice.
        if stage != Stage.INVESTIGATION or not entered or scenario.key in self.shot:
            return
        self.shot.add(scenario.key)
        for shot in SHOTS.get(scenario.key, []):
            self.ingest(scenario, matter, shot)

    def ingest(self, scenario: Scenario, matter: Matter, shot: Shot) -> None:
        lead = self.staff[scenario.handlers[0]]
        point = matter.gis_points.order_by("id").first()
        if point is None:  # every demo matter has a place; keep mypy and readers sure
            raise RuntimeError(f"demo matter {scenario.key} has no GIS point")
        ended = timezone.localtime() - datetime.timedelta(minutes=shot.minutes_ago)
        started = ended - datetime.timedelta(seconds=shot.seconds)
        path = self.folder / f"{self.count:02d}{Path(shot.filename).suffix}"
        if shot.kind == "video":
            make_video(path, shot.seconds, point.latitude, point.longitude)
        else:
            make_photo(path, ended, point.latitude, point.longitude)
        self.equipment.ingest(
            path,
            matter=matter,
            lead=scenario.handlers[0],
            data=IngestInput(
                filename=shot.filename,
                officer=lead.user.get_username(),
                device=shot.device,
                recorded_from=started.isoformat(),
                recorded_to=ended.isoformat(),
                gis=[{"latitude": str(point.latitude), "longitude": str(point.longitude)}],
                notice_given="true",
                notice_method=NOTICE,
            ),
        )
        self.count += 1


def media_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="lawtrail-demo-media-")
