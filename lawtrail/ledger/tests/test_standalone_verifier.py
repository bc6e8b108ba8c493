"""The offline verifier runs as a lone script on bundles built by merkle.py and note.py."""

from __future__ import annotations

import ast
import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lawtrail.ledger import merkle, note

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "lawtrail" / "ledger" / "verifier.py"
ORIGIN = "lawtrail.example/log"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class Log:
    """A tiny in-memory log built the way the Django layer will build it."""

    def __init__(self, signer: note.Signer) -> None:
        self.signer = signer
        self.events: list[bytes] = []
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier = merkle.Frontier()

    def append(self, event: bytes) -> None:
        self.events.append(event)
        for node in self.frontier.append(merkle.leaf_hash(event)):
            self.nodes[(node.start, node.end)] = node.hash

    def subtree(self, start: int, end: int) -> bytes:
        return merkle.subtree_hash_from_perfect(start, end, lambda s, e: self.nodes[(s, e)])

    def checkpoint(self, size: int) -> str:
        root = merkle.root_from_leaf_hashes([merkle.leaf_hash(e) for e in self.events[:size]])
        return note.sign_checkpoint(note.Checkpoint(ORIGIN, size, root), [self.signer])

    def bundle(self, index: int, size: int, old_size: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": b64(self.events[index]),
            "index": index,
            "checkpoint": self.checkpoint(size),
            "inclusion_proof": [b64(h) for h in merkle.inclusion_proof(index, size, self.subtree)],
        }
        if old_size is not None:
            out["old_checkpoint"] = self.checkpoint(old_size)
            proof = merkle.consistency_proof(old_size, size, self.subtree) if old_size else []
            out["consistency_proof"] = [b64(h) for h in proof]
        return out


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Log, Path]:
    skey, vkey = note.generate_key(ORIGIN)
    log = Log(note.Signer.from_key(skey))
    for i in range(23):
        log.append(json.dumps({"seq": i, "action": "inspect", "note": "检查"}).encode())
    keyfile = tmp_path_factory.mktemp("keys") / "verifier-key.txt"
    keyfile.write_text(f"# LawTrail log key\n{vkey}\n")
    return log, keyfile


def run(
    bundle: Any, keyfile: Path, tmp_path: Path, *extra: str, script: Path = SCRIPT
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(bundle if isinstance(bundle, str) else json.dumps(bundle))
    return subprocess.run(
        [sys.executable, str(script), str(path), "--key", str(keyfile), *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repo: nothing from lawtrail is importable
        timeout=60,
    )


def test_verifies_inclusion_and_consistency(setup: tuple[Log, Path], tmp_path: Path) -> None:
    log, keyfile = setup
    result = run(log.bundle(5, 23, old_size=11), keyfile, tmp_path, "--origin", ORIGIN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("VERIFIED.")
    assert "entry 5" in result.stdout and "size 11" in result.stdout


def test_runs_when_copied_alone(setup: tuple[Log, Path], tmp_path: Path) -> None:
    log, keyfile = setup
    lone = tmp_path / "elsewhere" / "verifier.py"
    lone.parent.mkdir()
    shutil.copy(SCRIPT, lone)
    result = run(log.bundle(22, 23), keyfile, tmp_path, script=lone)
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text())
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"cryptography"}


@pytest.mark.parametrize(("index", "size", "old"), [(0, 1, None), (0, 23, 1), (16, 17, 16)])
def test_edge_sizes(
    setup: tuple[Log, Path], tmp_path: Path, index: int, size: int, old: int | None
) -> None:
    log, keyfile = setup
    result = run(log.bundle(index, size, old), keyfile, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_consistency_only_and_empty_old_tree(setup: tuple[Log, Path], tmp_path: Path) -> None:
    log, keyfile = setup
    bundle = {
        k: v for k, v in log.bundle(0, 23, 0).items() if k in ("checkpoint", "old_checkpoint")
    }
    bundle["consistency_proof"] = []
    result = run(bundle, keyfile, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _tampered(log: Log) -> dict[str, dict[str, Any]]:
    good = log.bundle(5, 23, old_size=11)
    cases: dict[str, dict[str, Any]] = {}

    def case(name: str, **changes: Any) -> None:
        cases[name] = {**good, **changes}

    event = base64.b64decode(good["event"])
    case("event", event=b64(event.replace(b"inspect", b"destroy")))
    case("index", index=6)
    case("index beyond size", index=23)
    first = bytearray(base64.b64decode(good["inclusion_proof"][0]))
    first[0] ^= 1
    case("proof element", inclusion_proof=[b64(bytes(first)), *good["inclusion_proof"][1:]])
    case("proof too short", inclusion_proof=good["inclusion_proof"][:-1])
    case("proof short hash", inclusion_proof=[b64(b"x"), *good["inclusion_proof"][1:]])
    case("checkpoint text", checkpoint=good["checkpoint"].replace("\n23\n", "\n24\n"))
    case("checkpoint unsigned", checkpoint=good["checkpoint"].split("\n\n")[0] + "\n")
    other = note.Signer.from_key(note.generate_key(ORIGIN)[0])
    case(
        "checkpoint by other key",
        checkpoint=note.sign_note(good["checkpoint"].split("\n\n")[0] + "\n", [other]),
    )
    case("old checkpoint of other tree", old_checkpoint=log.checkpoint(12))
    case("consistency proof", consistency_proof=good["consistency_proof"][:-1])
    case(
        "consistency not append-only",
        old_checkpoint=note.sign_checkpoint(
            note.Checkpoint(ORIGIN, 11, merkle.leaf_hash(b"rewritten history")), [log.signer]
        ),
    )
    return cases


@pytest.mark.parametrize(
    "case",
    [
        "event",
        "index",
        "index beyond size",
        "proof element",
        "proof too short",
        "proof short hash",
        "checkpoint text",
        "checkpoint unsigned",
        "checkpoint by other key",
        "old checkpoint of other tree",
        "consistency proof",
        "consistency not append-only",
    ],
)
def test_tampering_fails(setup: tuple[Log, Path], tmp_path: Path, case: str) -> None:
    log, keyfile = setup
    result = run(_tampered(log)[case], keyfile, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("VERIFICATION FAILED:")


def test_wrong_origin_fails(setup: tuple[Log, Path], tmp_path: Path) -> None:
    log, keyfile = setup
    result = run(log.bundle(1, 2), keyfile, tmp_path, "--origin", "other.example/log")
    assert result.returncode == 1


@pytest.mark.parametrize(
    "bundle",
    [
        "{not json",
        "[]",
        "{}",
        '{"checkpoint": "x"}',
        '{"checkpoint": 5, "event": "AA==", "index": 0, "inclusion_proof": []}',
        '{"checkpoint": "x", "event": "not base64!", "index": 0, "inclusion_proof": []}',
        '{"checkpoint": "x", "event": "AA==", "index": "0", "inclusion_proof": []}',
        '{"checkpoint": "x", "event": "AA==", "index": true, "inclusion_proof": []}',
        '{"checkpoint": "x", "event": "AA==", "index": 0, "inclusion_proof": [1]}',
        '{"checkpoint": "x", "event": "AA==", "index": 0}',
        '{"checkpoint": "x", "old_checkpoint": "y"}',
    ],
)
def test_malformed_bundle_exits_2(setup: tuple[Log, Path], tmp_path: Path, bundle: str) -> None:
    _, keyfile = setup
    result = run(bundle, keyfile, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Cannot verify:")


def test_usage_errors_exit_2(setup: tuple[Log, Path], tmp_path: Path) -> None:
    log, _ = setup
    bad_key = tmp_path / "bad-key.txt"
    bad_key.write_text("not a key\n")
    assert run(log.bundle(0, 1), bad_key, tmp_path).returncode == 2
    assert run(log.bundle(0, 1), tmp_path / "missing.txt", tmp_path).returncode == 2
    no_args = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, timeout=60)
    assert no_args.returncode == 2


def test_main_in_process(
    setup: tuple[Log, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lawtrail.ledger import verifier

    log, keyfile = setup
    path = tmp_path / "b.json"
    path.write_text(json.dumps(log.bundle(3, 9, old_size=4)))
    assert verifier.main([str(path), "--key", str(keyfile)]) == 0
    assert "VERIFIED" in capsys.readouterr().out
    assert verifier.main(["--help"]) == 0
