"""The master key: where it comes from, what is refused, and ``lawtrail keys``."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest

from lawtrail.cli import main
from lawtrail.storage.kms import (
    KeyRing,
    MasterKey,
    MasterKeyConfigError,
    MasterKeyError,
    create_key_file,
    load_keyring,
    rotate_key_file,
)


def b64(n: int = 32) -> str:
    return base64.b64encode(secrets.token_bytes(n)).decode()


def test_no_setting_means_no_key_ring() -> None:
    assert load_keyring({}) is None


def test_an_inline_key_and_a_rotated_list() -> None:
    first, second = b64(), b64()
    ring = load_keyring({"LAWTRAIL_MASTER_KEY": f"{second},{first}"})
    assert ring is not None and len(ring.keys) == 2
    assert ring.current_id == MasterKey(base64.b64decode(second)).key_id


SHORT = base64.b64encode(b"k" * 16).decode()
LONG = base64.b64encode(b"k" * 33).decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [("not base64!", "not base64"), (SHORT, "16 bytes"), (LONG, "33 bytes")],
    ids=["garbage", "short", "long"],
)
def test_a_bad_inline_key_is_refused(value: str, message: str) -> None:
    with pytest.raises(MasterKeyConfigError, match=message):
        load_keyring({"LAWTRAIL_MASTER_KEY": value})


def test_both_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyConfigError, match="not both"):
        load_keyring({"LAWTRAIL_MASTER_KEY": b64(), "LAWTRAIL_MASTER_KEY_FILE": str(tmp_path)})


def test_the_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master-key"
    key_id = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ring = load_keyring({"LAWTRAIL_MASTER_KEY_FILE": str(path)})
    assert ring is not None and ring.current_id == key_id
    before = path.read_bytes()
    with pytest.raises(MasterKeyConfigError, match="never overwritten"):
        create_key_file(path)
    assert path.read_bytes() == before
    path.chmod(0o644)
    with pytest.raises(MasterKeyConfigError, match="readable by others"):
        load_keyring({"LAWTRAIL_MASTER_KEY_FILE": str(path)})


@pytest.mark.parametrize("name", ["missing", "relative"])
def test_a_missing_or_relative_key_file_is_refused(tmp_path: Path, name: str) -> None:
    value = str(tmp_path / "nothing") if name == "missing" else "master-key"
    with pytest.raises(MasterKeyConfigError, match=r"does not exist|absolute"):
        load_keyring({"LAWTRAIL_MASTER_KEY_FILE": value})


def test_rotation_keeps_the_old_keys(tmp_path: Path) -> None:
    path = tmp_path / "master-key"
    old = create_key_file(path)
    new = rotate_key_file(path)
    ring = load_keyring({"LAWTRAIL_MASTER_KEY_FILE": str(path)})
    assert ring is not None and ring.key_ids() == [new.hex(), old.hex()]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_name("master-key.new").exists()


def test_wrap_and_unwrap() -> None:
    ring = KeyRing([MasterKey(secrets.token_bytes(32))])
    data_key = secrets.token_bytes(32)
    key_id, wrapped = ring.wrap(data_key)
    assert len(wrapped) == 40 and data_key not in wrapped
    assert ring.unwrap(key_id, wrapped) == data_key
    with pytest.raises(MasterKeyError, match="not configured"):
        KeyRing([MasterKey(secrets.token_bytes(32))]).unwrap(key_id, wrapped)
    with pytest.raises(MasterKeyError, match="altered"):
        ring.unwrap(key_id, wrapped[:-1] + bytes([wrapped[-1] ^ 1]))


def test_the_keys_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LAWTRAIL_MASTER_KEY", raising=False)
    monkeypatch.delenv("LAWTRAIL_MASTER_KEY_FILE", raising=False)
    assert main(["keys", "init"]) == 2
    assert "--file" in capsys.readouterr().err
    path = tmp_path / "master-key"
    assert main(["keys", "init", "--file", str(path)]) == 0
    assert "written to" in capsys.readouterr().out
    assert main(["keys", "init", "--file", str(path)]) == 2
    assert main(["keys", "status"]) == 0
    assert "NOT encrypted" in capsys.readouterr().out
    monkeypatch.setenv("LAWTRAIL_MASTER_KEY_FILE", str(path))
    assert main(["keys", "rotate"]) == 0
    capsys.readouterr()
    assert main(["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert "new objects are encrypted" in out and out.count("\n  ") == 2
