"""The agent's settings, checked before it starts: a bad one is a sentence and exit status 2."""

from __future__ import annotations

import argparse
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lawtrail.errors import UsageError
from lawtrail.station.layout import DEFAULT_LAYOUT, Layout, compile_layout

MiB = 1 << 20
TOKEN_VARIABLE = "LAWTRAIL_STATION_TOKEN"


@dataclass(frozen=True)
class Config:
    server: str
    token: str
    watch: Path
    journal: Path
    layouts: list[Layout]
    parallel: int = 4
    stable_seconds: float = 5.0
    delete: bool = False
    chunk_size: int = 32 * MiB
    max_backoff: float = 60.0
    heartbeat_seconds: float = 30.0
    ssl_context: ssl.SSLContext | None = None
    verbose: bool = False

    @property
    def plain_http_off_host(self) -> bool:
        """Plain HTTP to another machine: 第二十二条 wants records on the VPN, encrypted."""
        parts = urlsplit(self.server)
        if parts.scheme != "http":
            return False
        host = parts.hostname or ""
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host != "localhost"


def default_journal() -> Path:
    """``$STATE_DIRECTORY`` (systemd's ``StateDirectory=``), else ``~/.local/state``."""
    state = os.getenv("STATE_DIRECTORY")
    if state:
        return Path(state.split(":")[0]) / "journal.sqlite3"
    base = os.getenv("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "lawtrail-station" / "journal.sqlite3"


def whole(raw: str, name: str, low: int, high: int) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise UsageError(f"{name} is a whole number from {low} to {high}, not {raw!r}.")
    return int(text)


def seconds(raw: str, name: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses nan and inf
        raise UsageError(f"{name} is a number of seconds from {low:g} to {high:g}, not {raw!r}.")
    return value


def server_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--server must be the server's address, like https://lawtrail.example.gov.cn, "
            f"not {raw!r}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise UsageError(
            "--server is the server's address alone, without a query, a fragment or a password."
        )
    try:
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise UsageError(f"--server has a bad port: {raw!r}.") from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def read_token(args: argparse.Namespace) -> str:
    if args.token and args.token_file:
        raise UsageError("Give the token with --token or with --token-file, not both.")
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise UsageError(
                f"--token-file {args.token_file} cannot be read ({error.strerror})."
            ) from None
    else:
        token = (args.token or os.getenv(TOKEN_VARIABLE, "")).strip()
    if not token:
        raise UsageError(
            f"Give the station's token with --token, --token-file or {TOKEN_VARIABLE}; "
            "`lawtrail station register` prints it."
        )
    if any(c.isspace() for c in token) or not token.isprintable() or not token.isascii():
        raise UsageError("The station token has spaces or odd characters; copy it again.")
    return token


def watch_folder(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.exists():
        raise UsageError(f"--watch {raw}: no such folder.")
    if not path.is_dir():
        raise UsageError(f"--watch {raw} is not a folder.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(f"--watch {raw}: permission denied.")
    return path.resolve()


def journal_path(raw: str | None, watch: Path) -> Path:
    path = (Path(raw).expanduser() if raw else default_journal()).absolute()
    if path.is_dir():
        raise UsageError(f"--journal {path} is a folder; name a file.")
    if path.resolve().is_relative_to(watch):
        raise UsageError(
            f"--journal {path} is inside the watch folder; keep it on the station's own disk."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"The journal's folder {path.parent} cannot be made ({error.strerror})."
        ) from None
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--journal {path}: permission denied.")
    if path.exists() and path.stat().st_size:
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise UsageError(f"--journal {path} is not a journal (not an SQLite file).")
    return path


def tls_context(args: argparse.Namespace, server: str) -> ssl.SSLContext | None:
    if not (args.ca_file or args.client_cert or args.client_key):
        return None
    if not server.startswith("https://"):
        raise UsageError("--ca-file, --client-cert and --client-key need an https:// --server.")
    if bool(args.client_cert) != bool(args.client_key):
        raise UsageError("--client-cert and --client-key go together.")
    try:
        context = ssl.create_default_context(cafile=args.ca_file)
        if args.client_cert:
            context.load_cert_chain(args.client_cert, args.client_key)
    except (OSError, ssl.SSLError) as error:
        raise UsageError(f"The TLS files cannot be used: {error}.") from None
    return context


def from_args(args: argparse.Namespace) -> Config:
    """A ``Config`` from ``lawtrail station run``'s arguments; ``UsageError`` if one is bad."""
    server = server_url(args.server)
    token = read_token(args)
    watch = watch_folder(args.watch)
    layouts = [compile_layout(pattern) for pattern in (args.layout or [DEFAULT_LAYOUT])]
    return Config(
        server=server,
        token=token,
        watch=watch,
        journal=journal_path(args.journal, watch),
        layouts=layouts,
        parallel=whole(args.parallel, "--parallel", 1, 64),
        stable_seconds=seconds(args.stable_seconds, "--stable-seconds", 0, 3600),
        delete=bool(args.clear),
        chunk_size=whole(args.chunk_mib, "--chunk-mib", 1, 1024) * MiB,
        max_backoff=seconds(args.max_backoff, "--max-backoff", 1, 3600),
        heartbeat_seconds=seconds(args.heartbeat, "--heartbeat", 1, 3600),
        ssl_context=tls_context(args, server),
        verbose=bool(args.verbose),
    )
