"""``lawtrail keys …``: the master key of encryption at rest (issue 6 §4).

- ``keys init [--file PATH]`` writes a new master key file (mode 0600) and never overwrites
  one; the path is ``--file`` or ``LAWTRAIL_MASTER_KEY_FILE``.
- ``keys rotate [--file PATH]`` puts a new current key on top of the file; the old keys stay in
  it so objects written under them remain readable.
- ``keys status`` says where the key comes from, its key ids, and whether new objects are
  encrypted.

None of them needs the database. See docs/operations.md, "The master key".
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lawtrail.errors import UsageError
from lawtrail.storage.kms import (
    ENV_FILE,
    ENV_KEY,
    MasterKeyConfigError,
    create_key_file,
    load_keyring,
    rotate_key_file,
)

Handler = Callable[[argparse.Namespace], int]


def key_file(args: argparse.Namespace) -> Path:
    name = args.file or os.getenv(ENV_FILE, "")
    if not name:
        raise UsageError(
            f"name the key file with --file PATH or {ENV_FILE}; keep it outside the data "
            "folder and its backups"
        )
    path = Path(name).expanduser()
    if not path.is_absolute():
        raise UsageError(f"the key file must be an absolute path, not {name!r}")
    return path


def cmd_keys_init(args: argparse.Namespace) -> int:
    path = key_file(args)
    try:
        key_id = create_key_file(path)
    except MasterKeyConfigError as error:
        raise UsageError(str(error)) from None
    print(f"master key {key_id.hex()} written to {path} (mode 0600)")
    if os.getenv(ENV_FILE, "") != str(path):
        print(f"set {ENV_FILE}={path} for lawtrail to encrypt new evidence")
    print("keep a copy offline: without this key encrypted evidence cannot be read")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    path = key_file(args)
    try:
        key_id = rotate_key_file(path)
    except MasterKeyConfigError as error:
        raise UsageError(str(error)) from None
    print(f"master key {key_id.hex()} is now current in {path}; the older keys stay for reading")
    print("back up the file again, and restart lawtrail to use the new key")
    return 0


def cmd_keys_status(args: argparse.Namespace) -> int:
    try:
        ring = load_keyring()
    except MasterKeyConfigError as error:
        raise UsageError(str(error)) from None
    if ring is None:
        print(f"no master key ({ENV_FILE} and {ENV_KEY} are unset): new objects are NOT encrypted")
        return 0
    print(f"master key from {ring.source}: new objects are encrypted (AES-256-GCM)")
    for i, key_id in enumerate(ring.key_ids()):
        print(f"  {key_id}" + (" (current)" if i == 0 else ""))
    return 0


def add_parsers(sub: Any) -> None:
    """Register the ``keys`` group on the main parser's subparsers."""
    keys = sub.add_parser("keys", help="the master key of encryption at rest").add_subparsers(
        dest="keys_command"
    )
    for name, func, help in (
        ("init", cmd_keys_init, "write a new master key file (0600; never overwrites)"),
        ("rotate", cmd_keys_rotate, "make a new current key; old keys stay for reading"),
    ):
        p = keys.add_parser(name, help=help, description=help)
        p.add_argument("--file", default="", metavar="PATH", help=f"default: ${ENV_FILE}")
        p.set_defaults(func=func)
    status = "where the master key comes from and whether new objects are encrypted"
    keys.add_parser("status", help=status, description=status).set_defaults(func=cmd_keys_status)
