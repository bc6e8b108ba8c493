"""真实性 (authenticity, DA/T 70-2018 §6.1) of an archive package: is it what the agency made?

The signature over the tag manifest by the ledger's key names this bag's 档号 and the digest of
tagmanifest-sha256.txt, which equals the package row's and its ``archive.package.created``
event's; every original's digests are those recorded at ingest (the Evidence row and its
``evidence.stored`` event); the ledger proofs lead to the signed checkpoint.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from lawtrail.archive.bagfolder import (
    CREATED,
    ORIGINAL,
    SIGNED_HEADER,
    Folder,
    file_digests,
    item,
)
from lawtrail.archive.models import ArchivePackage
from lawtrail.evidence.models import Evidence
from lawtrail.ledger import checkpoints, merkle, note
from lawtrail.ledger.models import Event


def log_verifier(folder: Folder) -> tuple[note.Verifier | None, str]:
    """The log's key; for a copy checked where the log's key is absent, the bag's own."""
    try:
        return checkpoints.verifier(), ""
    except checkpoints.KeyMissing:
        pass
    try:
        key = note.Verifier.from_key(folder.text("data/ledger/verifier-key.txt") or "")
    except note.NoteError as error:
        return None, str(error)
    return key, _("the key came with the package: compare it with the agency's")


def stored_events(sha256s: list[str]) -> tuple[dict[str, Evidence], dict[int, dict[str, Any]]]:
    rows = {e.sha256: e for e in Evidence.objects.filter(sha256__in=sha256s)}
    found = Event.objects.filter(
        action="evidence.stored",
        object_type=Evidence._meta.label_lower,
        object_id__in=[str(e.pk) for e in rows.values()],
    )
    payloads = {int(e.object_id): json.loads(bytes(e.body)).get("payload", {}) for e in found}
    return rows, payloads


def originals_items(folder: Folder) -> list[dict[str, Any]]:
    """Each original's digests against the Evidence row and its ``evidence.stored`` event."""
    claimed: list[tuple[str, str, str | None, int | None]] = []  # name, sha256, sm3, size
    for name, digest in sorted(folder.manifest.items()):
        match = ORIGINAL.fullmatch(name)
        if match:
            if match.group(1) != digest:
                claimed.append((name, digest, None, None))
            claimed.append((name, match.group(1), None, None))
    for ref in folder.references:
        sha, s3, size = ref.get("sha256"), ref.get("sm3"), ref.get("size")
        claimed.append(
            (
                _("references.json: %(sha)s") % {"sha": sha},
                str(sha),
                str(s3) if s3 is not None else None,
                size if isinstance(size, int) else None,
            )
        )
    rows, payloads = stored_events([c[1] for c in claimed])
    out = []
    for name, sha, s3, size in claimed:
        what = _("original %(name)s") % {"name": name}
        row = rows.get(sha)
        payload = payloads.get(row.pk) if row else None
        if row is None:
            out.append(
                item(
                    what,
                    False,
                    _("%(name)s: no evidence has SHA-256 %(sha)s") % {"name": name, "sha": sha},
                )
            )
        elif payload is None:
            out.append(
                item(
                    what,
                    False,
                    _("%(name)s: the ledger has no evidence.stored event for evidence %(id)s")
                    % {"name": name, "id": row.pk},
                )
            )
        elif (
            payload.get("sha256") != sha
            or (s3 is not None and payload.get("sm3") != s3)
            or (size is not None and payload.get("size") != size)
        ):
            out.append(
                item(
                    what,
                    False,
                    _("%(name)s: digests differ from those recorded at ingest (evidence %(id)s)")
                    % {"name": name, "id": row.pk},
                )
            )
        elif (row.sha256, row.sm3, row.size) != (
            payload.get("sha256"),
            payload.get("sm3"),
            payload.get("size"),
        ):
            out.append(
                item(
                    what,
                    False,
                    _("%(name)s: evidence %(id)s differs from its evidence.stored event")
                    % {"name": name, "id": row.pk},
                )
            )
        else:
            out.append(
                item(
                    what,
                    True,
                    _("%(name)s is evidence %(id)s as recorded at ingest")
                    % {"name": name, "id": row.pk},
                )
            )
    return out


def proofs_items(folder: Folder, key: note.Verifier | None) -> list[dict[str, Any]]:
    what = _("ledger proofs")
    if key is None:
        return [item(what, False, _("data/ledger/verifier-key.txt: no key to check with"))]
    try:
        checkpoint, _opened = note.open_checkpoint(
            folder.text("data/ledger/checkpoint.txt") or "", [key]
        )
    except note.NoteError as error:
        return [item(what, False, _("data/ledger/checkpoint.txt: %(error)s") % {"error": error})]
    out = [
        item(
            _("checkpoint signature"),
            True,
            _("data/ledger/checkpoint.txt: size %(size)d, signed by %(name)s")
            % {"size": checkpoint.size, "name": key.name},
        )
    ]
    try:
        proofs = json.loads(folder.text("data/ledger/proofs.json") or "")
        if not isinstance(proofs, list):
            raise ValueError(_("not a list"))
    except ValueError as error:
        return [*out, item(what, False, _("data/ledger/proofs.json: %(error)s") % {"error": error})]
    seqs = [p.get("event_seq") for p in proofs if isinstance(p, dict)]
    known = {
        e.seq: bytes(e.leaf_hash)
        for e in Event.objects.filter(seq__in=[s for s in seqs if isinstance(s, int)])
    }
    bad = []
    for i, proof in enumerate(proofs):
        try:
            seq, size = proof["event_seq"], proof["tree_size"]
            leaf = bytes.fromhex(proof["leaf_hash"])
            path = [bytes.fromhex(h) for h in proof["proof"]]
            if size != checkpoint.size:
                raise merkle.ProofError(
                    _("tree size %(size)s is not the checkpoint's") % {"size": size}
                )
            merkle.verify_inclusion(seq, size, leaf, path, checkpoint.root_hash)
            if seq in known and known[seq] != leaf:
                raise merkle.ProofError(
                    _("the leaf is not event #%(seq)s of this log") % {"seq": seq}
                )
        except (merkle.ProofError, KeyError, TypeError, ValueError) as error:
            bad.append(
                _("data/ledger/proofs.json entry %(i)d: %(error)s") % {"i": i, "error": error}
            )
    out.append(
        item(
            what,
            not bad,
            "; ".join(bad) or _("%(n)d proofs lead to the signed root") % {"n": len(proofs)},
        )
    )
    return out


def created_payload(archive_number: str) -> dict[str, Any] | None:
    package = (
        ArchivePackage.objects.filter(archive_number=archive_number)
        .select_related("matter")
        .first()
    )
    if package is None:
        return None
    for event in Event.objects.filter(action=CREATED, context=package.matter.context).order_by(
        "seq"
    ):
        payload: dict[str, Any] = json.loads(bytes(event.body)).get("payload", {})
        if payload.get("archive_number") == archive_number:
            return payload
    return {}


def authenticity(folder: Folder) -> list[dict[str, Any]]:
    out = []
    key, key_note = log_verifier(folder)
    tagmanifest = folder.file("tagmanifest-sha256.txt")
    bag_sha = file_digests(tagmanifest)[0] if tagmanifest.is_file() else ""
    what = _("package signature")
    try:
        if key is None:
            raise note.NoteError(key_note)
        opened = note.open_note(folder.text("signature.txt") or "", [key])
        expected = f"{SIGNED_HEADER}\n{folder.archive_number}\n{bag_sha}\n"
        if opened.text != expected:
            raise note.NoteError(
                _("it does not sign this bag's archive number and tag manifest digest")
            )
        out.append(
            item(
                what,
                True,
                " ".join(
                    filter(
                        None, [_("signature.txt signed by %(name)s") % {"name": key.name}, key_note]
                    )
                ),
            )
        )
    except note.NoteError as error:
        out.append(item(what, False, _("signature.txt: %(error)s") % {"error": error}))
    packaged_key = (folder.text("data/ledger/verifier-key.txt") or "").strip()
    if key is not None and packaged_key != key.key:
        out.append(
            item(
                _("verifier key"),
                False,
                _("data/ledger/verifier-key.txt is not this log's verifier key"),
            )
        )
    what = _("bag digest")
    recorded = folder.package.bag_sha256 if folder.package else None
    event = created_payload(folder.archive_number)
    problems = []
    if recorded is not None and recorded != bag_sha:
        problems.append(
            _("tagmanifest-sha256.txt has SHA-256 %(found)s, the package row %(row)s")
            % {"found": bag_sha, "row": recorded}
        )
    if (event is None and folder.package is not None) or event == {}:
        problems.append(
            _("no archive.package.created event records %(number)s")
            % {"number": folder.archive_number}
        )
    elif event is not None and event.get("bag_sha256") != bag_sha:
        problems.append(
            _("tagmanifest-sha256.txt has SHA-256 %(found)s, the ledger event %(event)s")
            % {"found": bag_sha, "event": event.get("bag_sha256")}
        )
    if event is None and folder.package is None:
        detail = _("not recorded in this log; SHA-256 %(sha)s") % {"sha": bag_sha}
    else:
        detail = _("tagmanifest-sha256.txt SHA-256 %(sha)s as recorded") % {"sha": bag_sha}
    out.append(item(what, not problems, "; ".join(problems) or detail))
    out.extend(originals_items(folder))
    out.extend(proofs_items(folder, key))
    return out
