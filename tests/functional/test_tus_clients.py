"""The tuspy client against a real server: a whole upload, and one interrupted then resumed."""

import hashlib
import os

import pytest
from tusclient import client as tus_client

from core.testing import http_sign_in
from tests.mediafiles import make_clip


@pytest.fixture
def tus(live_server):
    return tus_client.TusClient(
        live_server + "/api/uploads/", headers=http_sign_in(live_server, "prof", "prof password 1")
    )


def test_a_tuspy_upload_arrives_intact(tus, tmp_path):
    path = make_clip(tmp_path, "lecture.mp4", seconds=3)
    uploader = tus.uploader(str(path), chunk_size=64 * 1024, metadata={"filename": "lecture.mp4"})
    uploader.upload()
    assert uploader.offset == os.path.getsize(path)


def test_an_interrupted_upload_resumes_and_the_bytes_are_identical(tus, tmp_path, live_server):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 123))
    first = tus.uploader(str(path), chunk_size=256 * 1024, metadata={"filename": "big.bin"})
    for _ in range(5):  # five chunks, then the "network" goes away
        first.upload_chunk()
    url = first.url
    resumed = tus.uploader(str(path), chunk_size=256 * 1024, url=url)
    assert resumed.offset == 5 * 256 * 1024  # asked the server where it stopped (HEAD)
    resumed.upload()
    media = os.path.join(live_server.ini.rsplit("/", 1)[0], "var", "media")
    stored = [os.path.join(d, f) for d, _, fs in os.walk(media) for f in fs if f == "source"]
    digests = {hashlib.sha256(open(p, "rb").read()).hexdigest() for p in stored}
    assert hashlib.sha256(path.read_bytes()).hexdigest() in digests
