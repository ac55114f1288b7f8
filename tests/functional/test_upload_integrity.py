"""tus uploads against a served Amphi (``amphi serve``): concurrent writers, cut requests, lapsed claims.

Real HTTP clients (threads released together by a barrier, raw sockets cut mid-body) on the
database ``AMPHI_TEST_DB`` names: SQLite has no row locks, so what holds there holds everywhere.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import os
import socket
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from core.models import Upload, Video, utcnow
from core.platform.db import make_engine
from core.testing import http_sign_in

OCTETS = "application/offset+octet-stream"


class TusHttp:
    """A signed-in tus client speaking plain HTTP/1.1 to the live server, one connection per request."""

    def __init__(self, base: str, username: str, password: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {**http_sign_in(base, username, password), "Tus-Resumable": "1.0.0"}

    def request(self, method: str, path: str, body: bytes = b"", **headers) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers={**self.headers, **headers})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def create(self, length: int) -> str:
        status, headers, body = self.request(
            "POST", "/api/uploads/", **{"Upload-Length": str(length), "Upload-Metadata": "filename eC5iaW4="}
        )
        assert status == 201, body
        return urlsplit(headers["Location"]).path

    def patch(self, path: str, offset: int, data: bytes, **headers) -> tuple[int, dict, bytes]:
        return self.request("PATCH", path, data, **{"Upload-Offset": str(offset), "Content-Type": OCTETS, **headers})

    def offset(self, path: str) -> int:
        status, headers, _body = self.request("HEAD", path)
        assert status == 200
        return int(headers["Upload-Offset"])

    def cut_patch(self, path: str, announced: int, data: bytes, **headers) -> None:
        """Send the headers of a PATCH announcing ``announced`` bytes, then only ``data``, then hang up."""
        lines = [
            f"PATCH {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {announced}",
            f"Content-Type: {OCTETS}",
            "Upload-Offset: 0",
        ]
        lines += [f"{name}: {value}" for name, value in {**self.headers, **headers}.items()]
        with socket.create_connection((self.host, self.port), timeout=30) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)


@pytest.fixture(scope="module")
def tus(live_server):
    return TusHttp(live_server, "prof", "prof password 1")


@pytest.fixture(scope="module")
def database(live_server):
    engine = make_engine(live_server.database_url)
    yield engine
    engine.dispose()


def media_path(live_server, key: str) -> str:
    return os.path.join(os.path.dirname(live_server.ini), "var", "media", key)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_of(database, live_server, video_id: int) -> bytes:
    with database.connect() as connection:
        video = connection.execute(select(Video.site_id).where(Video.id == video_id)).one()
    with open(media_path(live_server, f"sites/{video.site_id}/videos/{video_id}/source"), "rb") as handle:
        return handle.read()


def wait_for_offset(tus, path: str, expected: int, seconds: float = 10) -> int:
    deadline = time.monotonic() + seconds
    while (offset := tus.offset(path)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return offset


def race(actions: list) -> list:
    """Run each action in its own thread, all released at once; their results in order."""
    barrier, results = threading.Barrier(len(actions)), [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = actions[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_writers_of_one_upload_make_one_video_of_one_writers_bytes(tus, database, live_server):
    size, writers = 2 * 1024 * 1024, 3
    for _round in range(3):
        path = tus.create(size)
        payloads = [os.urandom(size) for _ in range(writers)]
        answers = race([functools.partial(tus.patch, path, 0, data) for data in payloads])
        statuses = sorted(status for status, _headers, _body in answers)
        assert statuses == [204] + [409] * (writers - 1), [(s, b[:200]) for s, _h, b in answers]
        winner = next(index for index, (status, _h, _b) in enumerate(answers) if status == 204)
        refused = [headers for status, headers, _body in answers if status == 409]
        assert all(headers["Upload-Offset"] in ("0", str(size)) for headers in refused)
        video_id = int(answers[winner][1]["Amphi-Video-Id"])
        with database.connect() as connection:
            upload = connection.execute(select(Upload).where(Upload.id == path.rsplit("/", 1)[1])).one()
        assert (upload.video_id, upload.offset, upload.claimed_by) == (video_id, size, None)
        assert sha256(source_of(database, live_server, video_id)) == sha256(payloads[winner])
        assert not os.path.exists(media_path(live_server, upload.key))  # its bytes became the video's original


def test_a_claim_left_by_a_request_that_died_lapses(tus, database):
    path = tus.create(10)
    upload_id = path.rsplit("/", 1)[1]

    def claimed(until) -> None:
        with database.begin() as connection:
            connection.execute(
                update(Upload).where(Upload.id == upload_id).values(claimed_by="0" * 32, claimed_until=until)
            )

    claimed(utcnow() + timedelta(seconds=20))  # a writer in the middle of its chunk
    status, headers, _body = tus.patch(path, 0, b"0123456789")
    assert (status, headers["Upload-Offset"]) == (409, "0")
    claimed(utcnow() - timedelta(seconds=1))  # it stopped renewing its claim: its process was killed
    status, headers, _body = tus.patch(path, 0, b"0123456789")
    assert status == 204 and "Amphi-Video-Id" in headers


def test_a_request_cut_mid_body_keeps_the_bytes_that_arrived(tus, database, live_server):
    data = os.urandom(3 * 1024 * 1024 + 123)
    path = tus.create(len(data))
    arrived = 1024 * 1024 + 77
    tus.cut_patch(path, len(data), data[:arrived])  # the whole file in one request, the network drops
    assert wait_for_offset(tus, path, arrived) == arrived  # HEAD: resume from the last byte received
    status, headers, _body = tus.patch(path, arrived, data[arrived:])
    assert status == 204
    assert sha256(source_of(database, live_server, int(headers["Amphi-Video-Id"]))) == sha256(data)


def test_a_cut_chunk_with_a_checksum_is_never_kept(tus, database, live_server):
    data = os.urandom(2 * 1024 * 1024)
    checksum = {"Upload-Checksum": "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()}
    path = tus.create(len(data))
    tus.cut_patch(path, len(data), data[: len(data) // 2], **checksum)
    assert wait_for_offset(tus, path, -1, seconds=1.5) == 0  # a torn chunk would show here
    status, headers, _body = tus.patch(path, 0, data, **checksum)
    assert status == 204
    assert sha256(source_of(database, live_server, int(headers["Amphi-Video-Id"]))) == sha256(data)
