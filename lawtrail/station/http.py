"""HTTP with the standard library: one keep-alive connection per thread, errors sorted by what
the agent should do about them.

- ``Unreachable``: the server is down, the network is cut, or it answered 5xx/423/429. Try
  again later; nothing is lost (tus resumes from the server's offset).
- ``Unauthorized``: 401. The station token is wrong or was revoked; the agent stops.
- ``Refused``: any other 4xx. The request itself is wrong; retrying will not help.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

#: gunicorn closes a keep-alive connection after 2 s of silence; we open a new one after this.
IDLE_SECONDS = 1.5
#: How much of an error body is kept for the log (the server's sentence).
MAX_BODY = 1 << 20
#: Bytes per ``sendfile`` call while sending a file.
PIECE = 4 << 20


class ServerError(Exception):
    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body

    @property
    def sentence(self) -> str:
        """The server's own explanation when it gave one, else ours."""
        text = self.body.strip()
        if text.startswith("{"):
            try:
                detail = json.loads(text).get("detail")
            except (ValueError, AttributeError):
                detail = None
            if detail:
                return str(detail)
        return text.splitlines()[0][:300] if text else str(self)


class Unreachable(ServerError):
    """Try again later."""


class Unauthorized(ServerError):
    """401: the token is not (or no longer) valid."""


class Refused(ServerError):
    """A 4xx other than 401."""


class SourceError(Exception):
    """The file being sent could not be read to the end (not an OSError, so that it is not
    taken for a network fault)."""


@dataclass(frozen=True)
class FileRegion:
    """``length`` bytes of an open file from ``offset``: a request body sent with
    ``socket.sendfile`` (zero-copy from the page cache on plain HTTP; over TLS the standard
    library falls back to reading and sending), ``PIECE`` bytes at a time so that progress is
    reported and a stop is noticed."""

    file: BinaryIO
    offset: int
    length: int

    def send(self, sock: socket.socket, on_sent: Callable[[int], None] | None) -> None:
        position, end = self.offset, self.offset + self.length
        while position < end:
            sent = sock.sendfile(self.file, offset=position, count=min(PIECE, end - position))
            if not sent:
                raise SourceError(f"the file ended at byte {position}, before {end}")
            position += sent
            if on_sent is not None:
                on_sent(sent)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Connection:
    conn: http.client.HTTPConnection
    used_at: float = field(default_factory=time.monotonic)


class Server:
    """The lawtrail server at ``base_url``, as seen by one station token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        on_answer: Callable[[], None] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.ssl_context = ssl_context
        #: Called after every answer that is not a server error: the server is reachable.
        self.on_answer = on_answer
        self.local = threading.local()

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{':' + str(self.port) if self.port else ''}{path}"

    def full_path(self, path: str) -> str:
        """A path under the server's base URL (which may itself have a path prefix)."""
        if path.startswith(self.prefix + "/"):
            return path
        return self.prefix + path

    def connect(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it is new (not kept alive from before)."""
        held: Connection | None = getattr(self.local, "held", None)
        if held is not None and time.monotonic() - held.used_at > IDLE_SECONDS:
            held.conn.close()
            held = None
        if held is None:
            held = Connection(self.connect())
            self.local.held = held
            return held.conn, True
        return held.conn, False

    def drop(self) -> None:
        held: Connection | None = getattr(self.local, "held", None)
        if held is not None:
            held.conn.close()
            self.local.held = None

    def close(self) -> None:
        self.drop()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": "lawtrail-station"}
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        region: FileRegion | None = None,
        on_sent: Callable[[int], None] | None = None,
    ) -> Response:
        """One request; its body is ``body``, or the file ``region``.

        Connection trouble of any kind becomes ``Unreachable`` and the connection is dropped,
        so the next request starts clean. A GET or HEAD that fails on a kept-alive connection
        (the server closed it meanwhile, or restarted) is tried once more on a new one.
        """
        for _attempt in range(2):
            conn, fresh = self.connection()
            try:
                return self.exchange(conn, method, path, headers, body, region, on_sent)
            except Unreachable:
                if fresh or method not in ("GET", "HEAD"):
                    raise
        raise AssertionError("unreachable")  # the second attempt is on a new connection

    def exchange(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        headers: dict[str, str] | None,
        body: bytes | None,
        region: FileRegion | None,
        on_sent: Callable[[int], None] | None,
    ) -> Response:
        all_headers = self.headers(headers)
        if region is not None:
            all_headers["Content-Length"] = str(region.length)
        elif body is not None:
            all_headers["Content-Length"] = str(len(body))
        elif method in ("POST", "PATCH", "PUT"):
            all_headers["Content-Length"] = "0"
        try:
            conn.putrequest(method, self.full_path(path), skip_accept_encoding=True)
            for name, value in all_headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            try:
                if body is not None:
                    conn.send(body)
                if region is not None:
                    assert conn.sock is not None
                    region.send(conn.sock, on_sent)
            except OSError:
                # The server may have answered before reading the whole body (401, 413 …) and
                # closed; its answer says more than the broken pipe does.
                answer = early_answer(conn)
                if answer is None:
                    raise
                reusable = False
            else:
                answer = conn.getresponse()
                reusable = True
            raw = answer.read(MAX_BODY)
            if answer.length:  # a body longer than we keep: the connection cannot be reused
                reusable = False
            response = Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, raw)
        except (OSError, http.client.HTTPException) as error:
            self.drop()
            raise Unreachable(f"{self.host}: {describe(error)}") from error
        except BaseException:
            self.drop()
            raise
        held: Connection | None = getattr(self.local, "held", None)
        if not reusable or response.header("connection") == "close":
            self.drop()
        elif held is not None:
            held.used_at = time.monotonic()
        if self.on_answer is not None and response.status < 500:
            self.on_answer()
        return check(response, method, path)

    def json(self, method: str, path: str, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = self.request(method, path, headers=headers, body=body)
        if not response.body:
            return None
        try:
            return response.json()
        except ValueError:
            raise Unreachable(
                f"{method} {path} answered {response.status} with something that is not JSON",
                response.status,
            ) from None


def early_answer(conn: http.client.HTTPConnection) -> http.client.HTTPResponse | None:
    try:
        return conn.getresponse()
    except (OSError, http.client.HTTPException):
        return None


def describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "connection cut"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or error})"
    if isinstance(error, socket.gaierror):
        return f"name lookup failed ({error.strerror})"
    return f"{type(error).__name__}: {error}"


def check(response: Response, method: str, path: str) -> Response:
    status = response.status
    if status < 400:
        return response
    text = response.body[:4000].decode("utf-8", "replace")
    message = f"{method} {path} answered {status}"
    if status == 401:
        raise Unauthorized(message, status, text)
    if status >= 500 or status in (408, 423, 429):
        raise Unreachable(message, status, text)
    raise Refused(message, status, text)
