"""The ledger over HTTP (第二十六条, 第二十条): any logged-in user and auditors with a token can
fetch the signed checkpoint, the verifier key, the canonical bytes of entries and RFC 6962
proofs, and check them with nothing but merkle.py and note.py."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from lawtrail.agencies.models import Agency, Role
from lawtrail.api.tokens import create_token
from lawtrail.ledger import checkpoints, events, merkle, note
from lawtrail.ledger.models import Checkpoint, Event
from lawtrail.testing import make_person

BASE = "/api/v1/ledger"


@dataclass
class Auditor:
    client: Client
    token: str

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params, HTTP_AUTHORIZATION=f"Bearer {self.token}")


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [
                events.Pending(events.SYSTEM, "evidence.viewed", ("evidence", str(i)), {"i": i})
                for i in range(count)
            ]
        )


@pytest.fixture
def auditor(db: None) -> Auditor:
    checkpoints.ensure_signing_key()
    # The entries are read whole by provincial supervisors (第二十一条, decision 0019).
    province = Agency.objects.create(
        name="陕西省卫生健康委员会", level=Agency.Level.PROVINCE, region_code="610000"
    )
    officer = make_person("provincial_auditor", "审计员", province, [Role.SUPERVISOR])
    return Auditor(Client(), create_token(officer.user, "audit"))


@pytest.fixture
def signed(auditor: Auditor) -> Auditor:
    """A log of 20 events (the token's own creation is #0) signed at 7 and at 20."""
    append(6)
    checkpoints.make_checkpoint()
    append(13)
    checkpoints.make_checkpoint()
    return auditor


def stored_leaves() -> list[bytes]:
    return [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def served_checkpoint(auditor: Auditor) -> note.Checkpoint:
    response = auditor.get("/checkpoint")
    verifier = note.Verifier.from_key(auditor.get("/verifier-key").content.decode().strip())
    return note.open_checkpoint(response.content.decode(), [verifier])[0]


def test_the_checkpoint_is_the_latest_signed_note_as_text(signed: Auditor) -> None:
    response = signed.get("/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    parsed = served_checkpoint(signed)
    assert parsed.size == 20
    assert parsed.origin == checkpoints.verifier().name


def test_no_checkpoint_yet_is_404_with_a_sentence(auditor: Auditor) -> None:
    response = auditor.get("/checkpoint")
    assert response.status_code == 404
    assert response.content.decode().strip()


def test_the_verifier_key_is_served_as_text(auditor: Auditor) -> None:
    response = auditor.get("/verifier-key")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == checkpoints.verifier().key + "\n"


def test_entries_are_the_base64_canonical_bytes_in_order(signed: Auditor) -> None:
    response = signed.get("/entries", start=3, end=9)
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [e["index"] for e in entries] == list(range(3, 9))
    for entry in entries:
        stored = Event.objects.get(seq=entry["index"])
        assert base64.b64decode(entry["data"]) == bytes(stored.body)


def test_entries_and_the_served_checkpoint_give_the_same_root(signed: Auditor) -> None:
    """What an auditor does: fetch everything, hash it, compare with the signed root."""
    parsed = served_checkpoint(signed)
    entries = signed.get("/entries", start=0, end=parsed.size).json()["entries"]
    leaves = [hashlib.sha256(b"\x00" + base64.b64decode(e["data"])).digest() for e in entries]
    assert merkle.root_from_leaf_hashes(leaves) == parsed.root_hash


def test_entries_past_the_end_are_simply_fewer(signed: Auditor) -> None:
    entries = signed.get("/entries", start=18, end=30).json()["entries"]
    assert [e["index"] for e in entries] == [18, 19]


def test_entries_may_span_at_most_1000(signed: Auditor) -> None:
    assert signed.get("/entries", start=0, end=1000).status_code == 200
    response = signed.get("/entries", start=0, end=1001)
    assert response.status_code == 422
    assert "1000" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": -1, "end": 5},
        {"start": 5, "end": 5},
        {"start": 6, "end": 5},
        {"start": "a", "end": 5},
        {"start": 0},
        {},
    ],
)
def test_bad_entry_ranges_get_422_with_a_sentence(signed: Auditor, params: dict[str, Any]) -> None:
    response = signed.get("/entries", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(("index", "size"), [(0, 7), (6, 7), (0, 20), (7, 20), (19, 20)])
def test_an_inclusion_proof_verifies_against_the_signed_root(
    signed: Auditor, index: int, size: int
) -> None:
    response = signed.get("/proof/inclusion", index=index, size=size)
    assert response.status_code == 200
    body = response.json()
    assert (body["index"], body["size"]) == (index, size)
    proof = [base64.b64decode(h) for h in body["hashes"]]
    entry = signed.get("/entries", start=index, end=index + 1).json()["entries"][0]
    leaf = merkle.leaf_hash(base64.b64decode(entry["data"]))
    root = merkle.root_from_leaf_hashes(stored_leaves()[:size])
    merkle.verify_inclusion(index, size, leaf, proof, root)
    if size == 20:
        assert root == served_checkpoint(signed).root_hash


@pytest.mark.parametrize(
    "params",
    [
        {"index": 0, "size": 8},  # no checkpoint of size 8
        {"index": 20, "size": 20},
        {"index": -1, "size": 20},
        {"index": 0, "size": 0},
        {"index": "x", "size": 20},
        {"index": 0},
    ],
)
def test_bad_inclusion_parameters_get_422(signed: Auditor, params: dict[str, Any]) -> None:
    response = signed.get("/proof/inclusion", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_a_consistency_proof_verifies_between_the_signed_checkpoints(signed: Auditor) -> None:
    response = signed.get("/proof/consistency", **{"from": 7, "to": 20})
    assert response.status_code == 200
    body = response.json()
    assert (body["size1"], body["size2"]) == (7, 20)
    roots = {c.size: bytes(c.root_hash) for c in Checkpoint.objects.all()}
    proof = [base64.b64decode(h) for h in body["hashes"]]
    merkle.verify_consistency(7, 20, proof, roots[7], roots[20])


def test_a_consistency_proof_from_any_earlier_size_verifies(signed: Auditor) -> None:
    leaves = stored_leaves()
    root20 = merkle.root_from_leaf_hashes(leaves)
    for size1 in range(1, 21):
        body = signed.get("/proof/consistency", **{"from": size1, "to": 20}).json()
        proof = [base64.b64decode(h) for h in body["hashes"]]
        merkle.verify_consistency(
            size1, 20, proof, merkle.root_from_leaf_hashes(leaves[:size1]), root20
        )


@pytest.mark.parametrize(
    "params",
    [
        {"from": 0, "to": 20},
        {"from": 21, "to": 20},
        {"from": 3, "to": 19},  # no checkpoint of size 19
        {"from": "x", "to": 20},
        {"to": 20},
    ],
)
def test_bad_consistency_parameters_get_422(signed: Auditor, params: dict[str, Any]) -> None:
    response = signed.get("/proof/consistency", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/checkpoint",
        "/verifier-key",
        "/entries?start=0&end=5",
        "/proof/inclusion?index=0&size=7",
        "/proof/consistency?from=7&to=20",
    ],
)
def test_every_ledger_endpoint_needs_a_login_or_a_token(signed: Auditor, path: str) -> None:
    assert Client().get(BASE + path).status_code == 401
    response = Client().get(BASE + path, HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 401


def test_a_logged_in_user_may_read_the_ledger_too(signed: Auditor) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username="provincial_auditor"))
    assert client.get(BASE + "/checkpoint").status_code == 200
    assert client.get(BASE + "/entries?start=0&end=2").status_code == 200


def test_everyone_signed_in_fetches_the_entries_but_reads_only_its_own(signed: Auditor) -> None:
    """第二十一条: the events name parties and places of every matter, so a login with no part
    in them gets every index but only leaf hashes (decision 0019,
    test_ledger_entries_access.py); supervisors read them whole."""
    officer = get_user_model().objects.create_user("someone")
    client = Client()
    client.force_login(officer)
    assert client.get(BASE + "/checkpoint").status_code == 200
    assert client.get(BASE + "/proof/inclusion?index=0&size=7").status_code == 200
    response = client.get(BASE + "/entries?start=0&end=2")
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [e["index"] for e in entries] == [0, 1]
    assert all(e["withheld"] and "data" not in e for e in entries)
    assert [base64.b64decode(e["leaf_hash"]) for e in entries] == stored_leaves()[:2]
