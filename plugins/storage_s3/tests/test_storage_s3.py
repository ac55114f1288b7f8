"""storage_s3 on a real S3 server (SeaweedFS): the storage contract, and what only an object store needs."""

import io
import os

import pytest
import requests

from core.testing.contracts import StorageContract
from plugins.storage_s3 import make_storage
from plugins.storage_s3.storage import MIB

SETTINGS = {
    "prefix": "amphi/{site_id}/",
    "public_endpoint_url": "",
    "region": "us-east-1",
    "addressing_style": "path",
    "delivery": "accel",
    "accel_prefix": "/_s3/",
    "url_ttl": 300,
    "part_size_mb": 5,
    "concurrency": 2,
}


class Site:
    id, slug = 7, "physics"


def storage_on(server, **more):
    settings = {**SETTINGS, "bucket": server.new_bucket(), "endpoint_url": server.endpoint}
    settings |= {"access_key": server.access_key, "secret_key": server.secret_key, **more}
    return make_storage(settings, Site())


class TestS3Storage(StorageContract):
    @pytest.fixture
    def storage(self, s3_server):
        return storage_on(s3_server)  # a bucket of its own (made in a few milliseconds)


class CutStream(io.RawIOBase):
    """A request body that breaks after ``cut`` bytes (the client went away)."""

    def __init__(self, data: bytes, cut: int):
        self.data, self.cut, self.at = data, cut, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.at >= self.cut:
            raise OSError("connection reset")
        count = min(len(buffer), self.cut - self.at)
        buffer[:count] = self.data[self.at : self.at + count]
        self.at += count
        return count


def objects(storage) -> list[str]:
    return [o["Key"] for o in storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", ())]


def open_uploads(storage) -> list[str]:
    return [u["Key"] for u in storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", ())]


def test_tus_chunks_become_the_parts_of_one_multipart_upload(s3_server):
    storage = storage_on(s3_server)  # parts of 5 MiB
    key, name = "sites/1/uploads/big", "amphi/7/sites/1/uploads/big"
    data = os.urandom(18 * MIB + 5)
    # Chunks as tus brings them: under a part (kept as the tail), over one (parts, the rest the tail).
    for start, end in [(0, 100), (100, 6 * MIB), (6 * MIB, 6 * MIB + 7), (6 * MIB + 7, 13 * MIB + 5)]:
        assert storage.append(key, io.BytesIO(data[start:end] + b"past the limit"), limit=end - start) == end - start
    assert storage.size(key) == 13 * MIB + 5 and list(storage.walk("sites/1")) == [(key, 13 * MIB + 5)]
    assert objects(storage) == [name + "@tail"] and open_uploads(storage) == [name]  # two parts and a tail
    with pytest.raises(OSError):  # a request cut after one more part: that part is kept, the rest is not
        storage.append(key, CutStream(data[13 * MIB + 5 :], 3 * MIB), limit=5 * MIB)
    assert storage.size(key) == 15 * MIB
    assert storage.append(key, io.BytesIO(data[15 * MIB :])) == 3 * MIB + 5  # resumed at the size the store gives
    renewals = []
    storage.seal(key, lambda: renewals.append(1))  # the last byte arrived: completed, no copy of the bytes
    assert objects(storage) == [name] and not open_uploads(storage) and renewals
    with storage.open(key) as handle:
        assert handle.read() == data
    storage.truncate(key, 6 * MIB + 3)  # a failed request's bytes cut off; appending again goes on from there
    assert storage.append(key, io.BytesIO(data[6 * MIB + 3 : 7 * MIB])) == MIB - 3
    with storage.open(key) as handle:  # reading an unfinished key completes it first
        handle.seek(6 * MIB - 2)
        assert handle.read() == data[6 * MIB - 2 : 7 * MIB]
    storage.move(key, "sites/1/videos/3/source")
    assert objects(storage) == ["amphi/7/sites/1/videos/3/source"] and not open_uploads(storage)
    storage.append("sites/1/uploads/gone", io.BytesIO(data[: 6 * MIB]))  # abandoned: the expiry sweep deletes it
    storage.delete("sites/1/uploads/gone")
    assert objects(storage) == ["amphi/7/sites/1/videos/3/source"] and not open_uploads(storage)


def test_a_file_on_disk_is_sent_from_the_disk_in_parts(s3_server, tmp_path):
    storage = storage_on(s3_server)
    data = os.urandom(12 * MIB + 3)
    (tmp_path / "body").write_bytes(b"header" + data + b"next request")
    with open(tmp_path / "body", "rb") as body:  # as the server spools a request body
        body.seek(6)
        assert storage.append("sites/1/uploads/f", body, limit=len(data)) == len(data)  # three parts (5 MiB)
        assert body.read() == b"next request"  # the stream moved past what was sent
    with storage.open("sites/1/uploads/f") as handle:
        assert handle.read() == data


def test_media_are_delivered_through_presigned_urls(s3_server, tmp_path):
    storage = storage_on(s3_server, delivery="redirect", url_ttl=60)
    (tmp_path / "hls").mkdir()
    (tmp_path / "hls" / "seg_000.m4s").write_bytes(bytes(range(256)) * 4)
    storage.put_tree(str(tmp_path), "sites/1/videos/3/outputs/4")
    key = "sites/1/videos/3/outputs/4/hls/seg_000.m4s"
    assert storage.accel_path(key) is None
    url = storage.redirect_url(key)
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "video/iso.segment"
    part = requests.get(url, headers={"Range": "bytes=4-9"}, timeout=10)
    assert part.status_code == 206 and part.content == bytes(range(4, 10))
    assert requests.get(url.replace("seg_000", "seg_001"), timeout=10).status_code == 403  # the signature binds the key
    accel = storage_on(s3_server).accel_path(key)
    assert accel.startswith(f"/_s3/http/{s3_server.endpoint.removeprefix('http://')}/") and "X-Amz-Signature=" in accel


@pytest.mark.parametrize("wrong", [{"url_ttl": 5}, {"part_size_mb": 4}, {"bucket": "amphi-{tenant}"}])
def test_wrong_settings_stop_with_the_setting_named(wrong):
    from core.plugin_api import ConfigurationError

    settings = {**SETTINGS, "bucket": "amphi", "endpoint_url": "http://127.0.0.1:1", "access_key": "", "secret_key": ""}
    with pytest.raises(ConfigurationError, match="amphi.storage_s3"):
        make_storage({**settings, **wrong}, Site())


def test_doctor_says_why_a_bucket_cannot_be_used(s3_server):
    from plugins.storage_s3.doctor import bucket_problem

    def problem(**more):
        settings = {**SETTINGS, "bucket": bucket, "endpoint_url": s3_server.endpoint}
        settings |= {"access_key": s3_server.access_key, "secret_key": s3_server.secret_key, **more}
        return bucket_problem(settings, make_storage(settings, Site()))

    bucket = s3_server.new_bucket()
    assert problem() is None  # listed, written and deleted: nothing left behind
    assert not s3_server.client().list_objects_v2(Bucket=bucket).get("Contents")
    assert "knows no access key nobody" in problem(access_key="nobody")
    assert "secret key does not match" in problem(secret_key="wrong-secret-key")
    assert "there is no bucket 'missing'" in problem(bucket="missing")
    assert "does not answer" in problem(endpoint_url="http://127.0.0.1:9")
