"""Signatures on records (第十三条(三)): signed with a handwritten image, refused, or unable.

A signed signature is the PNG that the browser captured from the signing pad. It is checked to
be a real PNG (its 8-byte magic, an IHDR header first and an IEND trailer last, sane width and
height) and at most ``MAX_IMAGE_BYTES`` long; its bytes are kept with their SHA-256. A refusal
or an inability to sign is recorded with the circumstances and at least one witnessing officer
who handles the matter ("当事人或者有关人员拒绝签字确认的，应记录具体情况").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from lawtrail.errors import Invalid
from lawtrail.records.models import Signature

MAX_IMAGE_BYTES = 512 * 1024
MAX_IMAGE_SIDE = 8192
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
NAME_MAX = 100
CIRCUMSTANCES_MAX = 5000


@dataclass
class SignatureInput:
    signer_role: str
    signer_name: str
    status: str
    image_png: bytes | None = None
    circumstances: str = ""
    witness_ids: list[int] = field(default_factory=list)


def check_png(data: bytes) -> None:
    """Refuse anything that is not a whole PNG image of a sane size."""
    if len(data) > MAX_IMAGE_BYTES:
        raise Invalid(
            _("The signature image is larger than %(limit)d KiB.")
            % {"limit": MAX_IMAGE_BYTES // 1024},
            {"image_png": [_("Too large.")]},
        )
    # magic (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC) + IEND chunk (12)
    if len(data) < 8 + 25 + 12 or not data.startswith(PNG_MAGIC):
        raise Invalid(_("The signature image is not a PNG."), {"image_png": [_("Not a PNG.")]})
    length, chunk = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    if chunk != b"IHDR" or length != 13 or not data.endswith(PNG_IEND):
        raise Invalid(
            _("The signature image is not a whole PNG."), {"image_png": [_("Not a PNG.")]}
        )
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise Invalid(
            _("The signature image has an impossible size."), {"image_png": [_("Not a PNG.")]}
        )


def decode_image(text: str) -> bytes:
    """Base64 (optionally a ``data:image/png;base64,`` URL, as canvas.toDataURL gives)."""
    if text.startswith("data:"):
        header, _sep, text = text.partition(",")
        if header != "data:image/png;base64":
            raise Invalid(_("The signature image is not a PNG."), {"image_png": [_("Not a PNG.")]})
    # Refuse before decoding what could not be a permitted image anyway.
    if len(text) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise Invalid(
            _("The signature image is larger than %(limit)d KiB.")
            % {"limit": MAX_IMAGE_BYTES // 1024},
            {"image_png": [_("Too large.")]},
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(
            _("The signature image is not valid base64."), {"image_png": [_("Not base64.")]}
        ) from None


@dataclass(frozen=True)
class CleanSignature:
    signer_role: str
    signer_name: str
    status: str
    image: bytes | None
    image_sha256: str
    circumstances: str
    witness_ids: tuple[int, ...]


def clean_signature(data: SignatureInput) -> CleanSignature:
    """Check the parts of a signature that do not depend on the matter."""
    if data.status not in Signature.Status.values:
        raise Invalid(
            _("Unknown signature status %(status)s.") % {"status": data.status},
            {"status": [_("Choose signed, refused or unable.")]},
        )
    name = data.signer_name.strip()
    circumstances = data.circumstances.strip()
    if len(name) > NAME_MAX:
        raise Invalid(_("The signer's name is too long."), {"signer_name": [_("Too long.")]})
    if len(circumstances) > CIRCUMSTANCES_MAX:
        raise Invalid(_("The circumstances are too long."), {"circumstances": [_("Too long.")]})
    witness_ids = tuple(dict.fromkeys(data.witness_ids))
    if data.status == Signature.Status.SIGNED:
        if not data.image_png:
            raise Invalid(
                _("A signature needs the handwritten image."),
                {"image_png": [_("This field is required.")]},
            )
        check_png(data.image_png)
        return CleanSignature(
            data.signer_role,
            name,
            data.status,
            bytes(data.image_png),
            hashlib.sha256(data.image_png).hexdigest(),
            circumstances,
            witness_ids,
        )
    # 第十三条(三): a refusal or an inability is recorded with what happened and who saw it.
    if data.image_png:
        raise Invalid(
            _("A refused or impossible signature has no image."),
            {"image_png": [_("Leave empty unless signed.")]},
        )
    if not circumstances:
        raise Invalid(
            _("Record the circumstances of the refusal or inability to sign (第十三条(三))."),
            {"circumstances": [_("This field is required.")]},
        )
    if not witness_ids:
        raise Invalid(
            _("At least one officer handling the matter must witness the refusal or inability."),
            {"witness_ids": [_("This field is required.")]},
        )
    return CleanSignature(data.signer_role, name, data.status, None, "", circumstances, witness_ids)
