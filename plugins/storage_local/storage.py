"""A folder as storage: keys are relative paths under the root, checked before use."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import BinaryIO

from core.plugin_api import check_key

CHUNK = 1024 * 1024


class LocalStorage:
    def __init__(self, root: str, accel_prefix: str = ""):
        self.root = os.path.abspath(root)
        self.accel_prefix = accel_prefix

    def _path(self, key: str) -> str:
        path = os.path.abspath(os.path.join(self.root, check_key(key)))
        if not path.startswith(self.root + os.sep):
            raise ValueError(f"key {key!r} leaves the storage root")
        return path

    def _parent(self, key: str) -> str:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def save(self, key: str, stream: BinaryIO) -> int:
        path = self._parent(key)
        partial = path + ".part"
        try:
            with open(partial, "wb") as handle:
                shutil.copyfileobj(stream, handle, CHUNK)
            os.replace(partial, path)
        except BaseException:
            if os.path.exists(partial):
                os.unlink(partial)
            raise
        return os.path.getsize(path)

    def append(self, key: str, stream: BinaryIO, limit: int | None = None) -> int:
        with open(self._parent(key), "r+b" if self.exists(key) else "w+b") as handle:
            handle.seek(0, os.SEEK_END)  # not "ab": copy_file_range refuses O_APPEND targets
            copied = _copy_in_kernel(stream, handle, limit)
            if copied is not None:
                return copied
            written = 0
            while limit is None or written < limit:
                chunk = stream.read(CHUNK if limit is None else min(CHUNK, limit - written))
                if not chunk:
                    break
                handle.write(chunk)
                written += len(chunk)
            return written

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def size(self, key: str) -> int:
        return os.path.getsize(self._path(key))

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def truncate(self, key: str, size: int) -> None:
        os.truncate(self._path(key), size)

    def move(self, source: str, target: str) -> None:
        os.replace(self._path(source), self._parent(target))

    def delete(self, key: str) -> None:
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

    def put_tree(self, folder: str, prefix: str) -> list[str]:
        keys = []
        for directory, _dirs, files in os.walk(folder):
            for name in sorted(files):
                relative = os.path.relpath(os.path.join(directory, name), folder).replace(os.sep, "/")
                key = f"{prefix}/{relative}"
                target = self._parent(key)
                shutil.copyfile(os.path.join(directory, name), target)
                keys.append(key)
        return keys

    def walk(self, prefix: str) -> Iterator[tuple[str, int]]:
        top = self._path(prefix)
        for directory, _dirs, files in os.walk(top):
            for name in files:
                path = os.path.join(directory, name)
                try:
                    size = os.lstat(path).st_size
                except FileNotFoundError:  # deleted while we walk
                    continue
                yield os.path.relpath(path, self.root).replace(os.sep, "/"), size

    def local_path(self, key: str) -> str | None:
        return self._path(key)

    def redirect_url(self, key: str) -> str | None:
        return None  # viewers never reach the folder: the app or nginx sends its bytes

    def accel_path(self, key: str) -> str | None:
        if not self.accel_prefix:
            return None
        return self.accel_prefix.rstrip("/") + "/" + check_key(key)


def _copy_in_kernel(stream, handle, limit: int | None) -> int | None:
    """Copy a regular file's bytes without passing them through Python (copy_file_range).

    The WSGI server spools large request bodies to a temporary file; copying that
    file kernel-side halves the work of an upload. Returns None when ``stream``
    is not a plain file (then the caller copies in chunks).
    """
    try:
        source = stream.fileno()
        start = stream.tell()
    except (AttributeError, OSError, ValueError):
        return None
    if not os.path.isfile(f"/proc/self/fd/{source}") or not hasattr(os, "copy_file_range"):
        return None
    handle.flush()
    remaining = os.fstat(source).st_size - start if limit is None else limit
    copied = 0
    while remaining > 0:
        done = os.copy_file_range(source, handle.fileno(), min(remaining, 1 << 30), start + copied)
        if done == 0:
            break
        copied += done
        remaining -= done
    stream.seek(start + copied)
    return copied
