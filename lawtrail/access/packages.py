"""Copy packages for courts and 复议机关 (第二十条; issue 6 §3).

When the head of the agency approves a copy request, ``build_package`` writes one .zip that the
recipient can verify offline with the script inside it:

- ``working/``: working copies made afresh with FFmpeg/Pillow, watermarked with the matter's
  facts (第十九条) and with the recipient, the request number and the time of making, so that a
  leaked copy names its source;
- ``originals/``: the originals, when ``include_originals``; streamed from the store and checked
  against the digests recorded at ingest before they go in;
- ``manifest.json``: every file with size, SHA-256, SM3 and evidence id; originals also with
  the digests and event of their ingest;
- ``ledger/``: the ``evidence.stored``/``acquired``/``bound`` events of each evidence and the
  package's own ``package.built`` event (which commits to the manifest), each with its inclusion
  proof against the signed checkpoint in the package, and the log's verifier key;
- ``verify_package.py`` (``lawtrail/ledger/package_verifier.py``) and ``README.txt``.

Permission is the caller's: the access app passes ``may_copy`` (its grant check). Without it,
the rule of evidence originals applies (the bound matter's handlers and the head of its agency).
Bad input raises an ``ActionError`` before anything is written. The zip is written beside
``out`` under a hidden ``.part`` name and renamed only when complete; if signing the checkpoint
fails after ``package.built`` was logged, the event stays (it records an attempt) and no
package appears.

Call it from the access app when a copy request is approved::

    build_package(head.user, [12, 13], Recipient("李法官", "某区人民法院", "复〔2026〕7号"),
                  include_originals=grant.originals, out=Path(...),
                  may_copy=lambda user, evidence: grant.covers(evidence))
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.access import package_manifest as pm
from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.evidence.queries import current_binding, download_decision, visible_evidence
from lawtrail.ledger import checkpoints, events, proofs
from lawtrail.ledger.models import Event
from lawtrail.ledger.package_verifier import sm3
from lawtrail.storage import default_store

CHUNK = 4 * 1024 * 1024
MEDIA = {
    Evidence.Kind.VIDEO: ".mp4",
    Evidence.Kind.PHOTO: ".jpg",
    Evidence.Kind.AUDIO: ".m4a",
}

#: ``may_copy(user, evidence) -> bool``: whether ``user`` may have ``evidence`` copied for this
#: request. The access app passes its grant check; ``default_may_copy`` is the fallback.
MayCopy = Callable[[Any, Evidence], bool]


@dataclass(frozen=True)
class Recipient:
    """Who the copy is for: a person, their court or 复议机关, and the request's number."""

    name: str
    organisation: str
    request_number: str


@dataclass
class PackageResult:
    path: Path
    package_id: str
    size: int
    sha256: str
    event_seq: int
    checkpoint_size: int
    files: list[dict[str, Any]] = field(default_factory=list)


def default_may_copy(user: Any, evidence: Evidence) -> bool:
    return download_decision(user, evidence).allowed


def build_package(
    user: Any,
    evidence_ids: list[int],
    recipient: Recipient,
    include_originals: bool,
    out: Path,
    *,
    may_copy: MayCopy | None = None,
) -> PackageResult:
    """Write the copy package ``out`` (a new ``.zip``) for ``recipient`` and log ``package.built``.

    Raises ``Invalid`` (bad input), ``NotFound`` (evidence unknown, or not visible to ``user``
    when no ``may_copy`` is given), ``Forbidden`` (``may_copy`` said no) or ``ActionError`` (no
    ledger signing key), having written nothing. Slow: it re-encodes every video.
    """
    ids = check_input(evidence_ids, recipient, out)
    recipient = Recipient(
        recipient.name.strip(), recipient.organisation.strip(), recipient.request_number.strip()
    )
    try:
        checkpoints.signer()
    except checkpoints.KeyMissing as error:
        raise ActionError(str(error)) from None
    chosen = find_evidence(user, ids, may_copy)
    for evidence in chosen:
        if not has_working_copy(evidence) and not include_originals:
            raise Invalid(
                _("Evidence %(id)s has no working copy; only its original can be copied.")
                % {"id": evidence.pk},
                {"evidence_ids": []},
            )
    stored = stored_events(chosen)
    prior = ledger_events(chosen)
    made_at = timezone.now()
    package_id = str(uuid.uuid4())
    out = out.resolve()
    scratch = Path(settings.LAWTRAIL_HOME) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.name}.{package_id}.part")
    try:
        with tempfile.TemporaryDirectory(dir=scratch) as tmp, zipfile.ZipFile(part, "x") as zf:
            writer = Writer(zf, made_at)
            files = [
                entry
                for evidence in chosen
                for entry in add_evidence(
                    writer, evidence, recipient, made_at, include_originals, stored, Path(tmp)
                )
            ]
            manifest: dict[str, Any] = {
                "format": pm.FORMAT,
                "package": package_id,
                "made_at": made_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "made_by": user.get_username(),
                "log_origin": settings.LAWTRAIL_LOG_ORIGIN,
                "recipient": {
                    "name": recipient.name,
                    "organisation": recipient.organisation,
                    "request_number": recipient.request_number,
                },
                "includes_originals": include_originals,
                "files": files,
            }
            # The README and the verifier are committed to by the event like the evidence.
            readme = pm.readme(manifest, checkpoints.verifier().key)
            files.append(
                {**writer.add_bytes(pm.README, readme), "role": "readme", "evidence": None}
            )
            verifier = writer.add_bytes(pm.VERIFIER, pm.verifier_source())
            files.append({**verifier, "role": "verifier", "evidence": None})
            built = log_built(user, manifest, chosen, prior)
            checkpoint = checkpoints.make_checkpoint()
            attachments = add_ledger(writer, [*prior, built], checkpoint)
            manifest["attachments"] = sorted(attachments, key=lambda a: str(a["path"]))
            writer.add_bytes(pm.MANIFEST, pm.manifest_bytes(manifest))
        digest = hashlib.sha256()
        with part.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        publish(part, out)
    finally:
        part.unlink(missing_ok=True)
    return PackageResult(
        path=out,
        package_id=package_id,
        size=out.stat().st_size,
        sha256=digest.hexdigest(),
        event_seq=built.seq,
        checkpoint_size=checkpoint.size,
        files=files,
    )


def publish(part: Path, out: Path) -> None:
    """Give the finished zip its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(part, out)
    except FileExistsError:
        raise Invalid(exists(out)) from None
    except OSError:  # a file system without hard links
        if out.exists():
            raise Invalid(exists(out)) from None
        os.replace(part, out)


def exists(out: Path) -> str:
    return _("%(path)s exists already; packages are never overwritten.") % {"path": out}


def check_input(evidence_ids: Iterable[Any], recipient: Recipient, out: Path) -> list[int]:
    ids: list[int] = []
    for value in evidence_ids:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise Invalid(_("Evidence ids are positive integers."), {"evidence_ids": []})
        if value not in ids:
            ids.append(value)
    if not ids:
        raise Invalid(_("Name at least one evidence to copy."), {"evidence_ids": []})
    missing = {
        name: [_("This field is required.")]
        for name in ("name", "request_number")
        if not getattr(recipient, name).strip()
    }
    if missing:
        raise Invalid(_("Say who the copy is for and under which request."), missing)
    if out.suffix.lower() != ".zip":
        raise Invalid(_("The package is a .zip file; name it so."), {"out": []})
    if out.exists():
        raise Invalid(exists(out))
    if not out.parent.is_dir():
        raise Invalid(_("There is no folder %(path)s.") % {"path": out.parent})
    return ids


def find_evidence(user: Any, ids: list[int], may_copy: MayCopy | None) -> list[Evidence]:
    found = {e.pk: e for e in Evidence.objects.filter(pk__in=ids)}
    if may_copy is None:  # not visible is the same as unknown: existence is not disclosed
        seen = set(visible_evidence(user).filter(pk__in=ids).values_list("pk", flat=True))
        found = {pk: e for pk, e in found.items() if pk in seen}
    unknown = [str(pk) for pk in ids if pk not in found]
    if unknown:
        raise NotFound(_("No such evidence: %(ids)s.") % {"ids": ", ".join(unknown)})
    check = may_copy or default_may_copy
    refused = [str(pk) for pk in ids if not check(user, found[pk])]
    if refused:
        raise Forbidden(_("You may not copy evidence %(ids)s.") % {"ids": ", ".join(refused)})
    return [found[pk] for pk in ids]


def stored_events(chosen: list[Evidence]) -> dict[int, Event]:
    """The ``evidence.stored`` event of each evidence: what an original is checked against."""
    found = {
        int(e.object_id): e
        for e in Event.objects.filter(
            action="evidence.stored",
            object_type=Evidence._meta.label_lower,
            object_id__in=[str(e.pk) for e in chosen],
        )
    }
    lacking = [str(e.pk) for e in chosen if e.pk not in found]
    if lacking:
        raise ActionError(
            _("The ledger has no ingest event for evidence %(ids)s.") % {"ids": ", ".join(lacking)}
        )
    return found


class Writer:
    """Adds members to the zip while hashing them (SHA-256 and SM3), never holding a file."""

    def __init__(self, zf: zipfile.ZipFile, made_at: datetime) -> None:
        self.zf = zf
        self.date_time = made_at.astimezone(timezone.get_current_timezone()).timetuple()[:6]

    def add_stream(self, name: str, source: IO[bytes], compress: bool) -> dict[str, Any]:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        sha, s3, size = hashlib.sha256(), sm3(), 0
        with self.zf.open(info, "w", force_zip64=True) as member:
            while chunk := source.read(CHUNK):
                sha.update(chunk)
                s3.update(chunk)
                member.write(chunk)
                size += len(chunk)
        return {"path": name, "size": size, "sha256": sha.hexdigest(), "sm3": s3.hexdigest()}

    def add_file(self, name: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as fh:
            return self.add_stream(name, fh, compress=False)

    def add_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        return self.add_stream(name, io.BytesIO(data), compress=True)


def add_evidence(
    writer: Writer,
    evidence: Evidence,
    recipient: Recipient,
    made_at: datetime,
    include_originals: bool,
    stored: dict[int, Event],
    tmp: Path,
) -> list[dict[str, Any]]:
    """The working copy (and the original) of one evidence; return their manifest entries."""
    workdir = tmp / str(evidence.pk)
    workdir.mkdir()
    source = workdir / "original"
    fetch_original(evidence, source)
    entries: list[dict[str, Any]] = []
    suffix = MEDIA.get(evidence.kind, "")  # type: ignore[call-overload]
    if has_working_copy(evidence):
        facts = derivatives.facts_for(evidence, current_binding(evidence))
        facts.recipient = derivatives.recipient_lines(
            recipient.name, recipient.organisation, recipient.request_number, made_at
        )
        copy = workdir / f"working{suffix}"
        if evidence.kind == Evidence.Kind.VIDEO:
            parameters = derivatives.make_video_copy(source, copy, facts, evidence.media, workdir)
        elif evidence.kind == Evidence.Kind.PHOTO:
            parameters = derivatives.make_photo_copy(source, copy, facts)
        else:
            parameters = derivatives.make_audio_copy(source, copy, facts, workdir)
        entry = writer.add_file(f"working/evidence-{evidence.pk}{suffix}", copy)
        copy.unlink()
        entries.append(
            {
                **entry,
                "role": "working_copy",
                "evidence": evidence.pk,
                "source_sha256": evidence.sha256,
                "watermark": facts.lines(),
                "parameters": parameters,
                "tools": derivatives.tool_versions(),
            }
        )
    if include_originals:
        name = f"originals/evidence-{evidence.pk}{original_suffix(evidence)}"
        entry = writer.add_file(name, source)
        event = stored[evidence.pk]
        entries.append(
            {
                **entry,
                "role": "original",
                "evidence": evidence.pk,
                "ingest": {
                    "event": event.seq,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                    "sm3": evidence.sm3,
                },
            }
        )
    shutil.rmtree(workdir)
    return entries


def has_working_copy(evidence: Evidence) -> bool:
    return evidence.readable and evidence.kind in MEDIA


def fetch_original(evidence: Evidence, dest: Path) -> None:
    """Copy the original out of the store, refusing it unless its digests are the ingest's."""
    copied = default_store().copy_to(evidence.sha256, dest, exclusive=False)
    if (copied.sha256, copied.sm3) != (evidence.sha256, evidence.sm3):
        raise ActionError(
            _("The stored original of evidence %(id)s differs from its digests.")
            % {"id": evidence.pk}
        )


def original_suffix(evidence: Evidence) -> str:
    filename = Acquisition.objects.filter(evidence=evidence).order_by("acquired_at", "id").first()
    suffix = Path(filename.filename).suffix.lower() if filename else ""
    return suffix if suffix.isascii() and 1 < len(suffix) <= 8 and suffix[1:].isalnum() else ".bin"


@transaction.atomic
def log_built(
    user: Any, manifest: dict[str, Any], chosen: list[Evidence], prior: list[Event]
) -> Event:
    """``package.built``: the package, its recipient, every file's digests, the manifest's
    content digest and the events packed with it, so none can be dropped unnoticed."""
    contexts = set()
    for evidence in chosen:
        binding = current_binding(evidence)
        contexts.add(binding.matter.context if binding else "")
    return events.append(
        events.Actor.of(user),
        "package.built",
        ("access.package", manifest["package"]),
        {
            "package": manifest["package"],
            "manifest_sha256": pm.core_sha256(manifest),
            "recipient": manifest["recipient"],
            "includes_originals": manifest["includes_originals"],
            "evidence": [e.pk for e in chosen],
            "events": [e.seq for e in prior],
            "files": [
                {k: f[k] for k in ("path", "role", "evidence", "size", "sha256", "sm3")}
                for f in manifest["files"]
            ],
        },
        context=contexts.pop() if len(contexts) == 1 else "",
    )


def ledger_events(chosen: list[Evidence]) -> list[Event]:
    """The events that matter: each evidence's stored, acquired and bound events."""
    pks = [e.pk for e in chosen]
    acquisitions = Acquisition.objects.filter(evidence_id__in=pks).values_list("pk", flat=True)
    bindings = Binding.objects.filter(evidence_id__in=pks).values_list("pk", flat=True)
    wanted = [
        (Evidence._meta.label_lower, "evidence.stored", [str(pk) for pk in pks]),
        (Acquisition._meta.label_lower, "evidence.acquired", [str(pk) for pk in acquisitions]),
        (Binding._meta.label_lower, "evidence.bound", [str(pk) for pk in bindings]),
    ]
    found: dict[int, Event] = {}
    for object_type, action, object_ids in wanted:
        for event in Event.objects.filter(
            object_type=object_type, action=action, object_id__in=object_ids
        ):
            found[event.seq] = event
    return [found[seq] for seq in sorted(found)]


def add_ledger(writer: Writer, packed: list[Event], checkpoint: Any) -> list[dict[str, Any]]:
    """The events with their inclusion proofs, the signed checkpoint and the verifier key."""
    out = []
    for event in packed:
        stem = f"{event.seq:012d}-{event.action}.json"
        proof = {
            "index": event.seq,
            "tree_size": checkpoint.size,
            "inclusion_proof": proofs.inclusion(event.seq, checkpoint.size),
        }
        out.append(writer.add_bytes(pm.EVENTS + stem, bytes(event.body)))
        out.append(
            writer.add_bytes(pm.PROOFS + stem, (json.dumps(proof, indent=2) + "\n").encode())
        )
    note = checkpoints.served_note(checkpoint).encode("utf-8")
    out.append(writer.add_bytes(pm.CHECKPOINT, note))
    out.append(writer.add_bytes(pm.KEY, (checkpoints.verifier().key + "\n").encode()))
    return out
