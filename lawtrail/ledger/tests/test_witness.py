"""The provincial witness co-signs a unit's checkpoints only when they extend what it co-signed
before, so a unit cannot show a court one history and the province another (第二十六条).

The witness and the log share the test database here; their tables are separate.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from lawtrail.api.tokens import create_token
from lawtrail.cli import main
from lawtrail.ledger import checkpoints, commands, events, merkle, note, tree, witness
from lawtrail.ledger.models import Checkpoint, Cosignature, Event, WitnessAlarm, WitnessedLog

URL = "/api/v1/witness/add-checkpoint"


@dataclass
class Setup:
    client: Client
    token: str
    log_key: note.Verifier
    witness_key: note.Verifier

    def post(self, body: str, token: str | None = None) -> Any:
        return self.client.post(
            URL,
            data=body,
            content_type="text/plain",
            HTTP_AUTHORIZATION=f"Bearer {token or self.token}",
        )


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(count)]
        )


@pytest.fixture
def setup(db: None) -> Setup:
    checkpoints.ensure_signing_key()
    witness_key = note.Verifier.from_key(witness.ensure_witness_key("province.example/witness"))
    user = get_user_model().objects.create_user("county_a_log")
    token = create_token(user, "witness requests")
    log_key = checkpoints.verifier()
    witness.follow_log(log_key.name, log_key.key)
    return Setup(Client(), token, log_key, witness_key)


def request_for(checkpoint: Checkpoint, old: int) -> str:
    proof = tree.consistency_proof(old, checkpoint.size) if 0 < old < checkpoint.size else []
    return witness.build_request(old, proof, checkpoint.note)


def cosign(setup: Setup, checkpoint: Checkpoint, old: int) -> None:
    response = setup.post(request_for(checkpoint, old))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    witness.store_cosignature(checkpoint, response.content.decode(), setup.witness_key)


def followed() -> WitnessedLog:
    return WitnessedLog.objects.get()


def test_the_witness_cosigns_the_first_checkpoint_and_the_note_is_served_with_it(
    setup: Setup,
) -> None:
    append(5)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    assert followed().size == first.size
    assert bytes(followed().root_hash or b"") == bytes(first.root_hash)

    served = setup.client.get(
        "/api/v1/ledger/checkpoint", HTTP_AUTHORIZATION=f"Bearer {setup.token}"
    ).content.decode()
    assert served.startswith(first.note)
    assert served.count("\n— ") == 2
    # Each key alone opens the whole served note: the other's line is ignored, not an error.
    assert note.open_note(served, [setup.log_key]).names == [setup.log_key.name]
    assert note.open_note(served, [setup.witness_key]).names == [setup.witness_key.name]
    parsed, opened = note.open_checkpoint(served, [setup.log_key, setup.witness_key])
    assert parsed.size == first.size
    assert sorted(opened.names) == sorted([setup.log_key.name, setup.witness_key.name])
    assert Cosignature.objects.get().witness == setup.witness_key.name


def test_a_later_checkpoint_is_cosigned_with_a_consistency_proof(setup: Setup) -> None:
    append(5)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    append(11)
    second = checkpoints.make_checkpoint()
    cosign(setup, second, first.size)
    assert followed().size == second.size
    assert Cosignature.objects.count() == 2
    assert not WitnessAlarm.objects.exists()


def test_the_same_checkpoint_presented_again_is_cosigned_again(setup: Setup) -> None:
    append(3)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    response = setup.post(request_for(first, first.size))
    assert response.status_code == 200


def forged(size: int, root: bytes) -> str:
    """A checkpoint really signed with the log's key, over a history that is not the log's."""
    text = note.Checkpoint(checkpoints.verifier().name, size, root)
    return note.sign_checkpoint(text, [checkpoints.signer()])


def test_a_split_view_is_refused_with_403_and_raises_an_alarm_第二十六条(setup: Setup) -> None:
    append(8)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    other = forged(first.size, merkle.leaf_hash(b"another history"))
    response = setup.post(witness.build_request(first.size, [], other))
    assert response.status_code == 403
    assert "split view" in response.content.decode()
    alarm = WitnessAlarm.objects.get()
    assert "split view" in alarm.reason
    assert alarm.presented == other and alarm.known == first.note
    assert followed().size == first.size
    assert bytes(followed().root_hash or b"") == bytes(first.root_hash)


def test_a_history_rewritten_behind_the_witness_is_refused_and_reported(setup: Setup) -> None:
    append(7)
    first = checkpoints.make_checkpoint()
    assert first.size == 8  # with the token's own event
    cosign(setup, first, 0)
    # The unit rebuilds its log with event #3 altered and four more events, and signs it.
    rewritten = [
        bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)
    ]
    rewritten[3] = merkle.leaf_hash(b"what the unit would rather have done")
    rewritten += [merkle.leaf_hash(b"event %d" % i) for i in range(8, 12)]
    memory = {(n.start, n.end): n.hash for n in merkle.Frontier().extend(rewritten)}
    proof = merkle.consistency_proof(
        8, 12, lambda s, e: merkle.subtree_hash_from_perfect(s, e, lambda a, b: memory[(a, b)])
    )
    response = setup.post(
        witness.build_request(8, proof, forged(12, merkle.root_from_leaf_hashes(rewritten)))
    )
    assert response.status_code == 403
    assert "history rewritten" in response.content.decode()
    assert "history rewritten" in WitnessAlarm.objects.get().reason
    assert followed().size == 8


def test_a_checkpoint_smaller_than_the_cosigned_one_is_409_without_an_alarm(setup: Setup) -> None:
    """Merely older is no evidence of a split view (a replay, a client behind): tlog-witness
    answers 409 with its size, and no permanent alarm is raised against the unit."""
    append(8)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    smaller = forged(4, tree.root_at(4))
    response = setup.post(witness.build_request(first.size, [], smaller))
    assert response.status_code == 409
    assert response.content.decode() == f"{first.size}\n"
    assert not WitnessAlarm.objects.exists()


def test_a_wrong_old_size_gets_409_with_the_witness_size(setup: Setup) -> None:
    append(4)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    append(4)
    second = checkpoints.make_checkpoint()
    response = setup.post(request_for(second, 2))
    assert response.status_code == 409
    assert response.content.decode() == f"{first.size}\n"
    assert not WitnessAlarm.objects.exists()
    assert followed().size == first.size


def test_a_checkpoint_signed_with_the_wrong_key_is_refused_and_reported(setup: Setup) -> None:
    append(2)
    impostor = note.Signer.from_key(note.generate_key(setup.log_key.name)[0])
    text = note.Checkpoint(setup.log_key.name, 2, tree.root_at(2))
    response = setup.post(witness.build_request(0, [], note.sign_checkpoint(text, [impostor])))
    assert response.status_code == 403
    assert "bad log signature" in WitnessAlarm.objects.get().reason
    assert followed().size == 0


def test_a_log_the_witness_does_not_follow_gets_404(setup: Setup) -> None:
    signer = note.Signer.from_key(note.generate_key("elsewhere.example/log")[0])
    text = note.Checkpoint("elsewhere.example/log", 1, merkle.leaf_hash(b"x"))
    response = setup.post(witness.build_request(0, [], note.sign_checkpoint(text, [signer])))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        "old 0\n",  # no blank line, no checkpoint
        "new 0\n\nlog\n1\nAAAA\n",
        "old x\n\nlog\n1\nAAAA\n",
        "old 1\n!!notbase64!!\n\nlog\n",
        "old 0\n\nnot a checkpoint\n",
    ],
)
def test_a_malformed_request_gets_400(setup: Setup, body: str) -> None:
    assert setup.post(body).status_code == 400


def test_a_first_checkpoint_with_a_proof_is_refused(setup: Setup) -> None:
    append(2)
    first = checkpoints.make_checkpoint()
    response = setup.post(witness.build_request(0, [b"\x00" * 32], first.note))
    assert response.status_code == 403


def test_an_unauthenticated_request_gets_401(setup: Setup) -> None:
    append(1)
    first = checkpoints.make_checkpoint()
    response = setup.client.post(URL, data=request_for(first, 0), content_type="text/plain")
    assert response.status_code == 401
    assert setup.post(request_for(first, 0), token="not-a-token").status_code == 401


def test_a_cosignature_for_other_text_or_by_another_key_is_not_stored(setup: Setup) -> None:
    append(3)
    first = checkpoints.make_checkpoint()
    response = setup.post(request_for(first, 0))
    line = response.content.decode()
    append(1)
    second = checkpoints.make_checkpoint()
    with pytest.raises(note.NoteError):
        witness.store_cosignature(second, line, setup.witness_key)
    stranger = note.Verifier.from_key(note.generate_key(setup.witness_key.name)[1])
    with pytest.raises(note.NoteError):
        witness.store_cosignature(first, line, stranger)
    assert not Cosignature.objects.exists()


def test_following_a_log_needs_its_own_key_and_keeps_it(setup: Setup) -> None:
    other = note.generate_key("other.example/log")[1]
    with pytest.raises(witness.WitnessError, match="not"):
        witness.follow_log(setup.log_key.name, other)
    witness.follow_log("other.example/log", other)
    witness.follow_log("other.example/log", other)  # idempotent
    with pytest.raises(witness.WitnessError, match="different key"):
        witness.follow_log("other.example/log", note.generate_key("other.example/log")[1])


def test_the_witness_line_is_an_ed25519_note_signature_on_the_checkpoint_text(
    setup: Setup,
) -> None:
    append(3)
    first = checkpoints.make_checkpoint()
    line = setup.post(request_for(first, 0)).content.decode()
    assert line.startswith(f"— {setup.witness_key.name} ") and line.endswith("\n")
    raw = base64.b64decode(line.split(" ")[2])
    assert int.from_bytes(raw[:4], "big") == setup.witness_key.key_id and len(raw) == 68


def route_to_test_client(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []

    def post(url: str, token: str, body: str) -> tuple[int, str]:
        assert url == "https://witness.example/api/v1/witness/add-checkpoint"
        sent.append(body)
        response = setup.post(body, token=token)
        return response.status_code, response.content.decode()

    monkeypatch.setattr(commands, "post", post)
    return sent


def cli_request(setup: Setup) -> int:
    return main(
        [
            "ledger",
            "witness",
            "request",
            "--url",
            "https://witness.example/",
            "--token",
            setup.token,
            "--witness-key",
            setup.witness_key.key,
        ]
    )


def test_lawtrail_ledger_witness_request_stores_the_cosignature(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = route_to_test_client(setup, monkeypatch)
    append(3)
    assert cli_request(setup) == 0
    assert "co-signed" in capsys.readouterr().out
    append(6)
    checkpoints.make_checkpoint()
    assert cli_request(setup) == 0
    assert sent[-1].startswith("old 4\n")  # the token's own event made the first one 4
    assert list(Cosignature.objects.values_list("checkpoint__size", flat=True)) == [4, 10]


def test_lawtrail_ledger_witness_request_recovers_from_a_409(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = route_to_test_client(setup, monkeypatch)
    append(3)
    first = checkpoints.make_checkpoint()
    # The witness co-signed, but the answer never reached the log: it believes size 0.
    assert setup.post(request_for(first, 0)).status_code == 200
    append(2)
    checkpoints.make_checkpoint()
    assert cli_request(setup) == 0
    assert [body.split("\n")[0] for body in sent] == ["old 0", f"old {first.size}"]
    assert followed().size == first.size + 2


def test_lawtrail_ledger_witness_request_reports_a_refusal(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    route_to_test_client(setup, monkeypatch)
    append(3)
    first = checkpoints.make_checkpoint()
    log = followed()
    log.size, log.root_hash = first.size, merkle.leaf_hash(b"what the witness saw before")
    log.save()
    assert cli_request(setup) == 1
    assert "refused" in capsys.readouterr().err
    assert WitnessAlarm.objects.count() == 1
