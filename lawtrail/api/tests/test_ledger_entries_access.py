"""Who reads the ledger's entries (第二十六条, 第二十一条, decision 0019).

Everyone signed in fetches every index; an event the caller may not see comes without its
bytes, as ``"withheld": true`` and its leaf hash, so the tree can still be recomputed and
checked against the signed checkpoint. Provincial supervisors, system administrators and
ledger auditors (审计员) read every entry whole, with a session or a token.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from lawtrail.access import actions as access_actions
from lawtrail.access import ledger_reading as visibility
from lawtrail.agencies.models import Officer, Role
from lawtrail.api.models import ApiToken
from lawtrail.api.tokens import create_token
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints, events, merkle, note
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province, make_person

BASE = "/api/v1/ledger"
WITHHELD_KEYS = {"index", "withheld", "leaf_hash"}


@dataclass
class World:
    p: Province
    a: Matter  # county A, internal
    secret: Matter  # county A, business secret (第二十一条)
    b: Matter  # county B
    auditor: Officer


@pytest.fixture
def world(province: Province, settings: Any, tmp_path: Path) -> World:
    settings.LAWTRAIL_SIGNING_KEY_FILE = tmp_path / "signing-key"
    checkpoints.ensure_signing_key()
    p = province
    a = open_matter(p)
    secret = open_matter(p, title="涉及商业秘密的检查")
    access_actions.set_matter_level(p.head_a.user, secret, "business_secret", "配方")
    b = open_matter(
        p, by=p.officer_b, handlers=[p.officer_b.pk, p.officer_b2.pk], lead=p.officer_b.pk
    )
    create_token(p.officer_a.user, "officer_a's own")  # by the system, about officer_a
    create_token(p.officer_b.user, "officer_b's own", actor=p.officer_b.user)
    with transaction.atomic():  # an event no room names: nobody but the whole-ledger readers
        events.append(events.SYSTEM, "replica.copied", ("replication.copy", "1"), {"n": 1})
    auditor = make_person("auditor", "审计员", p.province, [Role.AUDITOR])
    return World(p, a, secret, b, auditor)


def session(officer: Officer | None = None, *, user: Any = None) -> Client:
    client = Client()
    client.force_login(user if user is not None else officer.user)  # type: ignore[union-attr]
    return client


def bearer(user: Any, *, read_only: bool = False) -> Client:
    token = create_token(user, "audit", read_only=read_only)
    return Client(headers={"Authorization": f"Bearer {token}"})


def fetch(client: Client, start: int = 0, end: int | None = None) -> list[dict[str, Any]]:
    end = end if end is not None else Event.objects.count()
    response = client.get(BASE + "/entries", {"start": start, "end": end})
    assert response.status_code == 200, response.content
    entries: list[dict[str, Any]] = response.json()["entries"]
    assert [e["index"] for e in entries] == list(range(start, end))
    return entries


def shown(entries: list[dict[str, Any]]) -> set[int]:
    return {e["index"] for e in entries if "data" in e}


def decoded(entry: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(base64.b64decode(entry["data"]))
    return body


def seqs(**filters: Any) -> set[int]:
    return set(Event.objects.filter(**filters).values_list("seq", flat=True))


def own_tokens(user: Any) -> set[int]:
    tokens = [str(pk) for pk in ApiToken.objects.filter(user=user).values_list("pk", flat=True)]
    return seqs(object_type="api.apitoken", object_id__in=tokens)


def assert_well_formed(entries: list[dict[str, Any]]) -> None:
    """Visible: the bytes as stored. Withheld: only the index and the stored leaf hash."""
    stored = {
        seq: (bytes(body), bytes(leaf))
        for seq, body, leaf in Event.objects.values_list("seq", "body", "leaf_hash")
    }
    for entry in entries:
        body, leaf = stored[entry["index"]]
        if "data" in entry:
            assert set(entry) == {"index", "data"}
            assert base64.b64decode(entry["data"]) == body
        else:
            assert set(entry) == WITHHELD_KEYS
            assert entry["withheld"] is True
            assert base64.b64decode(entry["leaf_hash"]) == leaf


def test_an_officer_of_county_b_reads_its_own_scope_and_leaf_hashes_for_the_rest(
    world: World,
) -> None:
    """第二十一条: county A's matters are not county B's business."""
    officer_b = world.p.officer_b
    client = bearer(officer_b.user)
    entries = fetch(client)
    assert_well_formed(entries)
    expected = (
        seqs(context=world.b.context)
        | seqs(actor_id=officer_b.user.pk)
        | own_tokens(officer_b.user)
    )
    assert shown(entries) == expected
    assert seqs(context=world.a.context) and not shown(entries) & seqs(context=world.a.context)
    assert not shown(entries) & seqs(context=world.secret.context)
    assert not shown(entries) & seqs(action="replica.copied")
    assert len(shown(entries)) < len(entries)


def test_withheld_entries_never_name_action_actor_or_object(world: World) -> None:
    entries = fetch(bearer(world.p.officer_b.user))
    withheld = [e for e in entries if e.get("withheld")]
    assert withheld
    text = json.dumps(withheld, ensure_ascii=False)
    for event in Event.objects.filter(seq__in=[e["index"] for e in withheld]):
        for fact in (event.action, event.context):
            assert not fact or f'"{fact}"' not in text
    for secret in (world.a.title, world.a.number, "officer_a", "matter."):
        assert secret not in text


def test_a_handler_reads_its_matters_and_its_own_actions(world: World) -> None:
    officer_a2 = world.p.officer_a2
    entries = fetch(session(officer_a2))
    assert_well_formed(entries)
    visible = shown(entries)
    assert seqs(context=world.a.context) <= visible
    assert seqs(context=world.secret.context) <= visible  # a handler of the secret matter
    assert not visible & seqs(context=world.b.context)
    assert not visible & own_tokens(world.p.officer_a.user)  # another person's token


def test_a_confidentiality_level_narrows_the_city_head(world: World) -> None:
    """Decision 0014: the city's head sees county A's timeline, but not a business secret's."""
    visible = shown(fetch(session(world.p.head_city)))
    assert seqs(context=world.a.context) <= visible
    assert seqs(context=world.b.context) <= visible
    assert not visible & seqs(context=world.secret.context)


def test_a_login_without_an_officer_profile_sees_only_what_is_its_own(world: World) -> None:
    stranger = get_user_model().objects.create_user("stranger")
    client = bearer(stranger)
    entries = fetch(client)
    assert_well_formed(entries)
    assert shown(entries) == own_tokens(stranger)


@pytest.mark.parametrize("who", ["supervisor", "admin", "auditor"])
@pytest.mark.parametrize("how", ["session", "token", "read-only token"])
def test_supervisors_administrators_and_auditors_read_every_entry_whole(
    world: World, who: str, how: str
) -> None:
    officer = world.auditor if who == "auditor" else getattr(world.p, who)
    if how == "session":
        client = session(officer)
    else:
        client = bearer(officer.user, read_only=how == "read-only token")
    entries = fetch(client)
    assert_well_formed(entries)
    assert shown(entries) == set(range(len(entries)))


def test_an_auditor_reads_the_ledger_and_nothing_else(world: World) -> None:
    client = bearer(world.auditor.user)
    assert client.get(f"/api/v1/matters/{world.a.pk}").status_code == 404
    assert client.get("/api/v1/matters").json()["items"] == []


def test_anonymous_callers_get_401(world: World) -> None:
    assert Client().get(BASE + "/entries", {"start": 0, "end": 5}).status_code == 401
    wrong = Client(headers={"Authorization": "Bearer wrong"})
    assert wrong.get(BASE + "/entries", {"start": 0, "end": 5}).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"start": -1, "end": 5},
        {"start": 5, "end": 5},
        {"start": 6, "end": 5},
        {"start": 0, "end": 1001},
        {"start": "a", "end": 5},
        {"start": 0},
        {},
    ],
)
def test_bad_ranges_get_422_with_a_sentence(world: World, params: dict[str, Any]) -> None:
    for client in (bearer(world.p.officer_b.user), bearer(world.auditor.user)):
        response = client.get(BASE + "/entries", params)
        assert response.status_code == 422
        assert response.json()["detail"]


def served_checkpoint(client: Client) -> note.Checkpoint:
    text = client.get(BASE + "/checkpoint").content.decode()
    verifier = note.Verifier.from_key(client.get(BASE + "/verifier-key").content.decode().strip())
    return note.open_checkpoint(text, [verifier])[0]


def leaf_of(entry: dict[str, Any]) -> bytes:
    if "data" in entry:
        return merkle.leaf_hash(base64.b64decode(entry["data"]))
    return base64.b64decode(entry["leaf_hash"])


def test_data_and_leaf_hashes_recompute_the_signed_root(world: World) -> None:
    """What an officer who may not read everything does: hash what it reads, take the leaf
    hashes of the rest, and compare the root with the signed checkpoint (第二十六条)."""
    checkpoints.make_checkpoint()
    client = bearer(world.p.officer_b.user)
    signed = served_checkpoint(client)
    entries = fetch(client, 0, signed.size)
    assert 0 < len(shown(entries)) < signed.size  # really a mix
    assert merkle.root_from_leaf_hashes([leaf_of(e) for e in entries]) == signed.root_hash
    # A changed byte in a visible entry, or a wrong leaf hash, no longer gives the root.
    visible = next(e for e in entries if "data" in e)
    forged = {
        **visible,
        "data": base64.b64encode(base64.b64decode(visible["data"]) + b" ").decode(),
    }
    tampered = [forged if e is visible else e for e in entries]
    assert merkle.root_from_leaf_hashes([leaf_of(e) for e in tampered]) != signed.root_hash


def test_entries_fetched_in_pages_give_the_same_root(world: World) -> None:
    checkpoints.make_checkpoint()
    client = session(world.p.head_city)
    signed = served_checkpoint(client)
    entries = fetch(client, 0, 5) + fetch(client, 5, signed.size)
    assert merkle.root_from_leaf_hashes([leaf_of(e) for e in entries]) == signed.root_hash


def test_evidence_events_follow_the_inbox_and_the_evidence_details(
    world: World,
    media: Media,
    evidence_home: Path,  # noqa: F811
) -> None:
    """Unbound evidence is its acquirer's and recording officer's (the inbox); bound evidence
    is read with its matter, where a level hides its details (decision 0014)."""
    p = world.p
    inbox = ingest(p.officer_a.user, media.photo).evidence
    bound = ingest(p.officer_a.user, media.audio_wav, matter=world.a.number).evidence
    inbox_events = seqs(object_type="evidence.evidence", object_id=str(inbox.pk), context="")
    bound_events = seqs(object_type="evidence.evidence", object_id=str(bound.pk))
    assert inbox_events and bound_events
    colleague = shown(fetch(session(p.officer_a2)))
    assert not colleague & inbox_events
    assert bound_events <= colleague
    assert not shown(fetch(session(p.officer_b))) & (inbox_events | bound_events)
    access_actions.set_evidence_level(p.head_a.user, bound, "personal_privacy", "人脸")
    assert not shown(fetch(session(p.head_city))) & bound_events
    assert bound_events <= shown(fetch(session(p.officer_a2)))  # a handler still sees it


@pytest.mark.parametrize(
    ("context", "matter"),
    [
        ("matter/42", 42),
        ("", None),
        ("matter/", None),
        ("matter/4x", None),
        ("matter/٤", None),
        ("matter/" + "9" * 30, None),
        ("package/7", None),
    ],
)
def test_only_a_well_formed_matter_context_names_a_matter(context: str, matter: int | None) -> None:
    assert visibility.matter_of(context) == matter
