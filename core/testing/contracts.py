"""Contract test suites for replaceable backends: a backend's tests subclass one and provide it.

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            return MyStorage(...)

A third party's backend gets the same proof as the built-in one. The storage suite lives here; the
search suite in :mod:`core.testing.search_contract`, the encoder and transcriber suites in
:mod:`core.testing.media_contract` (all importable from this module).
"""

from __future__ import annotations

import io
import os

import pytest

from core.testing.media_contract import EncoderContract, TranscriberContract
from core.testing.search_contract import SearchContract

__all__ = ["EncoderContract", "SearchContract", "StorageContract", "TranscriberContract"]


class StorageContract:
    """What every :class:`core.pipeline.storage.Storage` must do."""

    @pytest.fixture
    def storage(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def test_save_open_size_exists(self, storage):
        assert storage.save("sites/1/videos/2/source", io.BytesIO(b"x" * 3_000_000)) == 3_000_000
        assert storage.exists("sites/1/videos/2/source")
        assert storage.size("sites/1/videos/2/source") == 3_000_000
        with storage.open("sites/1/videos/2/source") as handle:
            handle.seek(2_999_998)
            assert handle.read() == b"xx"
        assert not storage.exists("sites/1/videos/2/other")

    def test_append_respects_the_limit(self, storage):
        key = "sites/1/uploads/abc"
        assert storage.append(key, io.BytesIO(b"hello ")) == 6
        assert storage.append(key, io.BytesIO(b"world and more"), limit=5) == 5
        with storage.open(key) as handle:
            assert handle.read() == b"hello world"

    def test_truncate(self, storage):
        storage.save("sites/1/uploads/t", io.BytesIO(b"0123456789"))
        storage.truncate("sites/1/uploads/t", 4)
        assert storage.size("sites/1/uploads/t") == 4

    def test_move_and_delete(self, storage):
        storage.save("sites/1/uploads/u1", io.BytesIO(b"data"))
        storage.move("sites/1/uploads/u1", "sites/1/videos/9/source")
        assert not storage.exists("sites/1/uploads/u1") and storage.size("sites/1/videos/9/source") == 4
        storage.delete("sites/1/videos/9/source")
        storage.delete("sites/1/videos/9/source")  # deleting twice is fine
        assert not storage.exists("sites/1/videos/9/source")

    def test_put_tree_and_delete_prefix(self, storage, tmp_path):
        (tmp_path / "out" / "hls" / "360p").mkdir(parents=True)
        (tmp_path / "out" / "hls" / "master.m3u8").write_text("#EXTM3U")
        (tmp_path / "out" / "hls" / "360p" / "seg_000.m4s").write_bytes(b"\0" * 10)
        keys = storage.put_tree(str(tmp_path / "out"), "sites/1/videos/3/outputs/7")
        assert sorted(keys) == [
            "sites/1/videos/3/outputs/7/hls/360p/seg_000.m4s",
            "sites/1/videos/3/outputs/7/hls/master.m3u8",
        ]
        assert storage.size("sites/1/videos/3/outputs/7/hls/360p/seg_000.m4s") == 10
        storage.delete_prefix("sites/1/videos/3/outputs/7")
        assert not any(storage.exists(k) for k in keys)

    def test_walk_lists_every_key_under_a_prefix_with_its_size(self, storage, tmp_path):
        (tmp_path / "out" / "hls" / "360p").mkdir(parents=True)
        (tmp_path / "out" / "hls" / "360p" / "seg_000.m4s").write_bytes(b"\0" * 10)
        (tmp_path / "out" / "hls" / "360p" / "seg_001.m4s").write_bytes(b"\0" * 7)
        storage.put_tree(str(tmp_path / "out"), "sites/5/videos/3/outputs/7")
        storage.save("sites/5/videos/3/source", io.BytesIO(b"abc"))
        storage.save("sites/50/videos/1/source", io.BytesIO(b"not this site's"))
        assert sorted(storage.walk("sites/5")) == [
            ("sites/5/videos/3/outputs/7/hls/360p/seg_000.m4s", 10),
            ("sites/5/videos/3/outputs/7/hls/360p/seg_001.m4s", 7),
            ("sites/5/videos/3/source", 3),
        ]
        assert list(storage.walk("sites/6")) == []

    @pytest.mark.parametrize(
        "key",
        [
            "../etc/passwd",
            "sites/1/../../x",
            "/etc/passwd",
            "sites/1/<script>.mp4",
            "sites//1",
            "",
            "sites/1/videos/2/source/",
        ],
    )
    def test_keys_never_become_arbitrary_paths(self, storage, key):
        with pytest.raises(ValueError):
            storage.save(key, io.BytesIO(b"x"))

    def test_local_path_when_local(self, storage):
        storage.save("sites/1/videos/4/source", io.BytesIO(b"abc"))
        path = storage.local_path("sites/1/videos/4/source")
        if path is not None:
            assert os.path.isfile(path) and open(path, "rb").read() == b"abc"
