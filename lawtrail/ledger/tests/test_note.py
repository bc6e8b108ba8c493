"""Signed notes, keys and checkpoints (C2SP signed-note / tlog-checkpoint)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from lawtrail.ledger import note as n
from lawtrail.ledger import verifier as standalone

TESTDATA = Path(
    os.environ.get(
        "LAWTRAIL_TESTDATA", Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata"
    )
)
SIGNED_NOTE = TESTDATA / "signed-note"

# The worked example from golang.org/x/mod/sumdb/note's documentation. Ed25519 is
# deterministic, so signing its text with its key must reproduce its signature exactly.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
)
GO_COSIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnW"
    "Lox33WWd1RvMc+QQ=\n"
)
GO_NOTE = GO_TEXT + "\n" + GO_SIG


@pytest.fixture(scope="module")
def c2sp() -> tuple[str, str]:
    if not SIGNED_NOTE.is_dir():
        pytest.skip(f"signed-note example not found in {SIGNED_NOTE} (set LAWTRAIL_TESTDATA)")
    return (SIGNED_NOTE / "note.txt").read_text(), (SIGNED_NOTE / "verifier-key.txt").read_text()


@pytest.fixture(scope="module")
def keys() -> tuple[n.Signer, n.Verifier]:
    skey, vkey = n.generate_key("lawtrail.example/log")
    return n.Signer.from_key(skey), n.Verifier.from_key(vkey)


def _flip(text: str, at: int) -> str:
    c = "B" if text[at] != "B" else "C"
    return text[:at] + c + text[at + 1 :]


# --- the C2SP example -------------------------------------------------------------------


def test_c2sp_example_verifies(c2sp: tuple[str, str]) -> None:
    note_text, vkey = c2sp
    opened = n.open_note(note_text, [n.Verifier.from_key(vkey)])
    assert opened.text == "This is an example message.\n"
    assert opened.names == ["example.com/foo"]
    assert opened.unverified == ()


def test_c2sp_example_standalone(c2sp: tuple[str, str]) -> None:
    note_text, vkey = c2sp
    name, kid, key = standalone.parse_verifier_key(vkey.strip())
    text, names = standalone.open_note(note_text, {(name, kid): key})
    assert (text, names) == ("This is an example message.\n", ["example.com/foo"])


def test_c2sp_example_key_id(c2sp: tuple[str, str]) -> None:
    v = n.Verifier.from_key(c2sp[1])
    assert (v.name, f"{v.key_id:08x}") == ("example.com/foo", "530d903a")
    assert v.key == c2sp[1].strip()


def test_c2sp_tampered_text(c2sp: tuple[str, str]) -> None:
    note_text, vkey = c2sp
    with pytest.raises(n.NoteError, match="invalid signature"):
        n.open_note(note_text.replace("an example", "a forged"), [n.Verifier.from_key(vkey)])


def test_c2sp_tampered_signature(c2sp: tuple[str, str]) -> None:
    note_text, vkey = c2sp
    # Position 20 of the base64 lies in the Ed25519 signature, past the 4-byte key ID.
    at = note_text.index("— example.com/foo ") + len("— example.com/foo ") + 20
    with pytest.raises(n.NoteError, match="invalid signature"):
        n.open_note(_flip(note_text, at), [n.Verifier.from_key(vkey)])


def test_c2sp_wrong_key(c2sp: tuple[str, str]) -> None:
    _, other = n.generate_key("example.com/foo")  # same name, different key and ID
    with pytest.raises(n.NoteError, match="no signature by a known key"):
        n.open_note(c2sp[0], [n.Verifier.from_key(other)])
    with pytest.raises(n.NoteError, match="no signature by a known key"):
        n.open_note(c2sp[0], [])


# --- the Go documentation example -------------------------------------------------------


def test_go_example_signature_is_reproduced() -> None:
    signer = n.Signer.from_key(GO_SKEY)
    assert signer.verifier.key == GO_VKEY
    assert n.sign_note(GO_TEXT, [signer]) == GO_NOTE


def test_go_example_cosigned_note() -> None:
    cosigned = GO_NOTE + GO_COSIG
    opened = n.open_note(cosigned, [n.Verifier.from_key(GO_VKEY)])
    assert opened.names == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]


# --- round trips and cosignatures -------------------------------------------------------


def test_round_trip(keys: tuple[n.Signer, n.Verifier]) -> None:
    signer, ver = keys
    signed = n.sign_note("hello\nworld\n", [signer])
    opened = n.open_note(signed, [ver])
    assert opened.text == "hello\nworld\n"
    assert opened.names == ["lawtrail.example/log"]
    assert n.open_note(signed.encode(), [ver]).text == "hello\nworld\n"


def test_key_strings_round_trip(keys: tuple[n.Signer, n.Verifier]) -> None:
    signer, ver = keys
    assert n.Signer.from_key(signer.key).key == signer.key
    assert n.Verifier.from_key(ver.key).key == ver.key
    assert signer.key.startswith("PRIVATE+KEY+lawtrail.example/log+")
    assert "PRIVATE" not in repr(signer)


def test_cosignature(keys: tuple[n.Signer, n.Verifier]) -> None:
    signer, ver = keys
    wskey, wvkey = n.generate_key("witness.example/w1")
    witness = n.Signer.from_key(wskey)
    signed = n.sign_note("checkpoint body\n", [signer])
    cosigned = n.add_signatures(signed, [witness], verifiers=[ver])
    assert cosigned.startswith(signed)
    both = n.open_note(cosigned, [ver, n.Verifier.from_key(wvkey)])
    assert both.names == ["lawtrail.example/log", "witness.example/w1"]
    only_log = n.open_note(cosigned, [ver])
    assert only_log.names == ["lawtrail.example/log"]
    assert [s.name for s in only_log.unverified] == ["witness.example/w1"]
    # Re-signing with the same key replaces the old line rather than duplicating it.
    again = n.add_signatures(cosigned, [witness])
    assert again.count("witness.example/w1") == 1


def test_cosignature_requires_valid_note(keys: tuple[n.Signer, n.Verifier]) -> None:
    signer, ver = keys
    witness = n.Signer.from_key(n.generate_key("w")[0])
    forged = n.sign_note("a\n", [signer]).replace("a\n", "b\n", 1)
    with pytest.raises(n.NoteError):
        n.add_signatures(forged, [witness], verifiers=[ver])


def test_known_key_bad_signature_is_error_even_with_good_one(
    keys: tuple[n.Signer, n.Verifier],
) -> None:
    signer, ver = keys
    wskey, wvkey = n.generate_key("witness.example/w1")
    good = n.sign_note("x\n", [signer])
    bad_witness_line = n.sign_note("y\n", [n.Signer.from_key(wskey)]).split("\n\n")[1]
    with pytest.raises(n.NoteError, match="invalid signature by known key witness"):
        n.open_note(good + bad_witness_line, [ver, n.Verifier.from_key(wvkey)])
    # The same line from an unknown key is ignored.
    assert n.open_note(good + bad_witness_line, [ver]).names == ["lawtrail.example/log"]


def test_duplicate_signature_lines_are_dropped(keys: tuple[n.Signer, n.Verifier]) -> None:
    signer, ver = keys
    signed = n.sign_note("x\n", [signer])
    line = signed.split("\n\n")[1]
    assert n.open_note(signed + line, [ver]).names == ["lawtrail.example/log"]


def test_ambiguous_verifiers_rejected() -> None:
    v = n.Verifier.from_key(GO_VKEY)
    other = n.Verifier.from_public_key("PeterNeumann", os.urandom(32))
    fake = n.Verifier(v.name, v.key_id, other.public_key)
    with pytest.raises(n.NoteError, match="ambiguous"):
        n.open_note(GO_NOTE, [v, fake])


# --- malformed notes --------------------------------------------------------------------

MALFORMED: dict[str, str | bytes] = {
    "no blank line": GO_TEXT + GO_SIG,
    "no trailing newline": GO_NOTE[:-1],
    "no signatures": GO_TEXT + "\n",
    "hyphen not em dash": GO_TEXT + "\n" + GO_SIG.replace("—", "-"),
    "missing space after dash": GO_TEXT + "\n" + GO_SIG.replace("— ", "—"),
    "no signature after name": GO_TEXT + "\n— PeterNeumann\n",
    "empty signature": GO_TEXT + "\n— PeterNeumann \n",
    "bad base64": GO_TEXT + "\n" + GO_SIG.replace("x08go", "x08g*"),
    "non-canonical base64": GO_TEXT + "\n" + GO_SIG.replace("AM=\n", "AN=\n"),
    "short signature": GO_TEXT + "\n— PeterNeumann AAAAAA==\n",
    "name with plus": GO_TEXT + "\n" + GO_SIG.replace("PeterNeumann", "Peter+Neumann"),
    "control character": GO_TEXT.replace("cryptography", "crypto\tgraphy") + "\n" + GO_SIG,
    "carriage return": GO_NOTE.replace("\n", "\r\n"),
    "extra blank line": GO_NOTE + "\n",
    "trailing garbage": GO_NOTE + "garbage\n",
    "too many signatures": GO_TEXT + "\n" + GO_SIG * 101,
    "invalid utf-8": b"caf\xe9\n\n" + GO_SIG.encode(),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_notes(case: str) -> None:
    with pytest.raises(n.NoteError):
        n.open_note(MALFORMED[case], [n.Verifier.from_key(GO_VKEY)])


@pytest.mark.parametrize("case", [c for c in MALFORMED if isinstance(MALFORMED[c], str)])
def test_malformed_notes_standalone(case: str) -> None:
    name, kid, key = standalone.parse_verifier_key(GO_VKEY)
    text = MALFORMED[case]
    assert isinstance(text, str)
    with pytest.raises(standalone.VerificationError):
        standalone.open_note(text, {(name, kid): key})


def test_sign_refuses_bad_text(keys: tuple[n.Signer, n.Verifier]) -> None:
    with pytest.raises(n.NoteError, match="newline"):
        n.sign_note("no newline", [keys[0]])
    with pytest.raises(n.NoteError, match="control"):
        n.sign_note("tab\there\n", [keys[0]])
    with pytest.raises(n.NoteError):
        n.sign_note("x\n", [])


# --- keys -------------------------------------------------------------------------------

BAD_VERIFIER_KEYS = {
    "wrong id": GO_VKEY.replace("c74f20a3", "c74f20a4"),
    "short id": GO_VKEY.replace("c74f20a3", "c74f20a"),
    "name with space": "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "renamed": GO_VKEY.replace("PeterNeumann", "PeterN"),
    "empty name": GO_VKEY.replace("PeterNeumann", ""),
    "missing key": "PeterNeumann+c74f20a3",
    "wrong algorithm": "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
    "short key": "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
    "private key": GO_SKEY,
}


@pytest.mark.parametrize("case", BAD_VERIFIER_KEYS)
def test_bad_verifier_keys(case: str) -> None:
    with pytest.raises(n.NoteError):
        n.Verifier.from_key(BAD_VERIFIER_KEYS[case])


@pytest.mark.parametrize("case", BAD_VERIFIER_KEYS)
def test_bad_verifier_keys_standalone(case: str) -> None:
    with pytest.raises(standalone.InputError):
        standalone.parse_verifier_key(BAD_VERIFIER_KEYS[case])


@pytest.mark.parametrize(
    "skey",
    [
        GO_SKEY.replace("PRIVATE+KEY", "PUBLIC+KEY"),
        GO_SKEY.replace("c74f20a3", "c74f20a4"),  # ID must match the derived public key
        GO_SKEY.replace("PeterNeumann", "Peter+Neumann"),
        GO_VKEY,
        "PRIVATE+KEY+x+00000000",
    ],
)
def test_bad_signer_keys(skey: str) -> None:
    with pytest.raises(n.NoteError):
        n.Signer.from_key(skey)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\tname", "new\nline", "nbsp\u00a0x"])
def test_generate_key_refuses_bad_names(name: str) -> None:
    with pytest.raises(n.NoteError):
        n.generate_key(name)


# --- checkpoints ------------------------------------------------------------------------

ROOT = bytes(range(32))
ROOT64 = base64.b64encode(ROOT).decode()


def test_checkpoint_round_trip(keys: tuple[n.Signer, n.Verifier]) -> None:
    cp = n.Checkpoint("lawtrail.example/log", 20852163, ROOT, ("ext one",))
    assert cp.to_text() == f"lawtrail.example/log\n20852163\n{ROOT64}\next one\n"
    assert n.Checkpoint.parse(cp.to_text()) == cp
    signed = n.sign_checkpoint(cp, [keys[0]])
    parsed, opened = n.open_checkpoint(signed, [keys[1]])
    assert parsed == cp and opened.names == ["lawtrail.example/log"]


def test_checkpoint_spec_example() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = n.Checkpoint.parse(text)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert cp.to_text() == text


@pytest.mark.parametrize(
    "text",
    [
        f"o\n1\n{ROOT64}",  # no final newline
        "o\n1\n",  # no root
        f"o\n01\n{ROOT64}\n",  # leading zero
        f"o\n+1\n{ROOT64}\n",
        f"o\n-1\n{ROOT64}\n",
        f"o\n 1\n{ROOT64}\n",
        f"o\n1.0\n{ROOT64}\n",
        f"o\n\u0661\n{ROOT64}\n",  # Arabic-Indic digit one
        f"o\n{1 << 64}\n{ROOT64}\n",
        f"o\n1\n{ROOT64[:-1]}\n",
        f"o\n1\n{base64.b64encode(bytes(31)).decode()}\n",
        f"o\n1\n{ROOT64}\n\n",  # empty extension line
        f"o\n1\n{ROOT64}\next\n\n",
        f"\n1\n{ROOT64}\n",  # empty origin
        f"o\r\n1\n{ROOT64}\n",
    ],
)
def test_checkpoint_parse_rejects(text: str) -> None:
    with pytest.raises(n.NoteError):
        n.Checkpoint.parse(text)


def test_checkpoint_constructor_rejects() -> None:
    with pytest.raises(n.NoteError):
        n.Checkpoint("a\nb", 1, ROOT)
    with pytest.raises(n.NoteError):
        n.Checkpoint("o", -1, ROOT)
    with pytest.raises(n.NoteError):
        n.Checkpoint("o", 1, ROOT[:31])
    with pytest.raises(n.NoteError):
        n.Checkpoint("o", 1, ROOT, ("",))


def test_checkpoint_zero_size() -> None:
    assert n.Checkpoint.parse(f"o\n0\n{ROOT64}\n").size == 0
