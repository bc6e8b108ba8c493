"""The agent's HTTP layer sorts answers by what to do about them: try later, stop, or give up
on the request; and a server that answers before it has read the body is heard."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lawtrail.station.http import (
    FileRegion,
    Refused,
    Response,
    Server,
    Unauthorized,
    Unreachable,
    check,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, Unauthorized), (403, Refused), (404, Refused), (422, Refused), (460, Refused),
     (423, Unreachable), (429, Unreachable), (500, Unreachable), (503, Unreachable)],
)  # fmt: skip
def test_answers_are_sorted_by_what_to_do(status: int, kind: type[Exception]) -> None:
    with pytest.raises(kind):
        check(Response(status, {}, b""), "POST", "/x")
    assert check(Response(204, {}, b""), "PATCH", "/x").status == 204


def test_the_servers_sentence_is_kept() -> None:
    with pytest.raises(Refused) as json_error:
        check(Response(422, {}, '{"detail": "没有这个执法人员。"}'.encode()), "POST", "/x")
    assert json_error.value.sentence == "没有这个执法人员。"
    with pytest.raises(Refused) as text_error:
        check(Response(409, {}, b"Upload-Offset 3 does not match 5.\n"), "PATCH", "/x")
    assert text_error.value.sentence == "Upload-Offset 3 does not match 5."


class Impatient(BaseHTTPRequestHandler):
    """Refuses every PATCH at once, without reading its body, and closes the connection."""

    def do_PATCH(self) -> None:
        body = b"The bearer token is not valid.\n"
        self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Upload-Offset", "0")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def impatient() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Impatient)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_before_the_body_is_read_is_heard(impatient: str, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (32 << 20))
    server = Server(impatient, "revoked")
    with big.open("rb") as f, pytest.raises(Unauthorized) as error:
        server.request("PATCH", "/u", region=FileRegion(f, 0, 32 << 20))
    assert error.value.sentence == "The bearer token is not valid."
    # The next request goes on a new connection.
    assert server.request("HEAD", "/u").header("upload-offset") == "0"


def test_a_server_that_is_not_there_is_unreachable() -> None:
    with pytest.raises(Unreachable, match="connection refused"):
        Server("http://127.0.0.1:9", "t", timeout=5).request("HEAD", "/u")
