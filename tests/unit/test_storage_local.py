"""What is particular to storage_local (its storage contract runs in plugins/storage_local/tests)."""

import io

import pytest

from plugins.storage_local.storage import LocalStorage


def test_files_stay_under_the_root(tmp_path):
    storage = LocalStorage(str(tmp_path / "media"))
    storage.save("sites/1/videos/1/source", io.BytesIO(b"x"))
    assert (tmp_path / "media" / "sites" / "1" / "videos" / "1" / "source").read_bytes() == b"x"
    assert list(tmp_path.iterdir()) == [tmp_path / "media"]


def test_accel_path_only_when_configured(tmp_path):
    assert LocalStorage(str(tmp_path)).accel_path("sites/1/videos/1/source") is None
    assert LocalStorage(str(tmp_path), "/protected/").accel_path("sites/1/x.m3u8") == "/protected/sites/1/x.m3u8"


def test_a_save_is_never_seen_half_written(tmp_path):
    storage = LocalStorage(str(tmp_path))

    class Exploding(io.BytesIO):
        def read(self, *args):
            raise OSError("connection lost")

    storage.save("sites/1/a", io.BytesIO(b"old"))
    with pytest.raises(OSError):
        storage.save("sites/1/a", Exploding())
    with storage.open("sites/1/a") as handle:
        assert handle.read() == b"old"
    assert [p.name for p in (tmp_path / "sites" / "1").iterdir()] == ["a"]  # no partial file left behind


def test_appending_from_a_real_file_is_exact(tmp_path):
    storage = LocalStorage(str(tmp_path / "media"))
    spooled = tmp_path / "body"
    spooled.write_bytes(b"HEADER" + bytes(range(256)) * 4000)
    storage.append("sites/1/uploads/u", io.BytesIO(b"start:"))
    with open(spooled, "rb") as body:
        body.seek(6)  # as a server hands over a body it has partly read
        assert storage.append("sites/1/uploads/u", body, limit=256 * 4000 - 10) == 256 * 4000 - 10
        assert body.tell() == 6 + 256 * 4000 - 10
    with storage.open("sites/1/uploads/u") as handle:
        assert handle.read() == b"start:" + (bytes(range(256)) * 4000)[:-10]
