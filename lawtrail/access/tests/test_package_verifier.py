"""The package verifier stands alone: standard library only, its own SM3 and Ed25519 agree with
OpenSSL's and with the ``cryptography`` package's."""

from __future__ import annotations

import ast
import hashlib
import os
import sys

from lawtrail.access.tests.package_fixtures import VERIFIER
from lawtrail.ledger import note
from lawtrail.ledger import package_verifier as pv


def test_it_imports_only_the_standard_library() -> None:
    tree = ast.parse(VERIFIER.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_the_pure_sm3_matches_openssl() -> None:
    # GB/T 32905-2016 example 1: "abc".
    pure = pv.PureSM3()
    pure.update(b"abc")
    assert pure.hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    for size in (0, 55, 56, 63, 64, 65, 1000, 70_001):
        data = os.urandom(size)
        pure = pv.PureSM3()
        pure.update(data[: size // 3])
        pure.update(data[size // 3 :])
        assert pure.hexdigest() == hashlib.new("sm3", data).hexdigest(), size


def test_the_pure_ed25519_agrees_with_the_signer() -> None:
    signer = note.Signer.from_seed("lawtrail.example/log", bytes(range(32)))
    public = pv.parse_key(signer.verifier.key)[2]
    message = b"lawtrail.example/log\n8\nPH6byTDck/AfppmF7yQtn56GHzxTVaokzl70tLinDMs=\n"
    signature = signer.sign(message)
    assert pv.ed25519_verify(public, message, signature)
    assert not pv.ed25519_verify(public, message + b"x", signature)
    assert not pv.ed25519_verify(public, message, signature[:10] + b"\0" + signature[11:])
    assert not pv.ed25519_verify(public[:31] + b"\1", message, signature)


def test_a_signed_checkpoint_opens_with_its_key() -> None:
    signer = note.Signer.from_seed("lawtrail.example/log", bytes(32))
    root = hashlib.sha256(b"root").digest()
    signed = note.sign_checkpoint(note.Checkpoint("lawtrail.example/log", 8, root), [signer])
    key = pv.parse_key(signer.verifier.key)
    assert pv.open_checkpoint(signed, key) == ("lawtrail.example/log", 8, root)
