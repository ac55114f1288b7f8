"""The storage contract and the keys media lives under.

Keys are built by the core from ids only (``sites/3/videos/41/source``); no
user-supplied string ever becomes part of a key. A backend maps keys to its
own namespace (a folder, a bucket).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

from core.platform.errors import ConfigurationError
from core.platform.sites import site_hooks

KEY = re.compile(r"^[a-z0-9_-]+(/[a-zA-Z0-9_.-]+)*$")


class Storage(Protocol):
    """What a storage backend provides (``amphi_storage`` returns one)."""

    def save(self, key: str, stream: BinaryIO) -> int:
        """Write ``stream`` to ``key`` in chunks (flat memory); return the size."""

    def append(self, key: str, stream: BinaryIO, limit: int | None = None) -> int:
        """Append at most ``limit`` bytes of ``stream`` to ``key`` (created if absent); return bytes written."""

    def open(self, key: str) -> BinaryIO:
        """Open ``key`` for reading (binary, seekable)."""

    def size(self, key: str) -> int:
        """Size of ``key`` in bytes; raise FileNotFoundError if absent."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""

    def truncate(self, key: str, size: int) -> None:
        """Cut ``key`` down to ``size`` bytes."""

    def move(self, source: str, target: str) -> None:
        """Rename ``source`` to ``target`` (atomic where the backend allows)."""

    def delete(self, key: str) -> None:
        """Delete ``key`` if it exists."""

    def delete_prefix(self, prefix: str) -> None:
        """Delete every key under ``prefix/``."""

    def put_tree(self, folder: str, prefix: str) -> list[str]:
        """Copy a local folder under ``prefix/`` (same relative paths); return the keys."""

    def walk(self, prefix: str) -> Iterator[tuple[str, int]]:
        """Every key stored under ``prefix/``, with its size in bytes (in any order)."""

    def local_path(self, key: str) -> str | None:
        """A path of ``key`` on this machine, or None when the backend is remote."""

    def accel_path(self, key: str) -> str | None:
        """The internal URL nginx serves ``key`` from (X-Accel-Redirect), or None."""

    def seal(self, key: str, renew: Callable[[], None]) -> None:
        """``key`` was written by ``append`` and is complete: make it final (an object store joins the pieces
        it kept apart). Optional; called outside any transaction, ``renew()`` between long steps (it raises
        when the caller lost the right to go on).

        .. versionadded:: 2.4.0
        """

    def redirect_url(self, key: str) -> str | None:
        """A short-lived URL viewers may fetch ``key`` from themselves (a presigned URL), or None.

        Optional: a backend without this method is treated as answering None.

        .. versionadded:: 2.4.0
        """


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed storage key, else raise ValueError."""
    if not KEY.match(key or "") or ".." in key:
        raise ValueError(f"invalid storage key {key!r}")
    return key


def site_prefix(site_id: int) -> str:
    """Where everything a site stores lives: ``sites/<id>``."""
    return f"sites/{int(site_id)}"


def upload_key(site_id: int, upload_id: str) -> str:
    return check_key(f"{site_prefix(site_id)}/uploads/{upload_id}")


def video_prefix(video) -> str:
    return check_key(f"{site_prefix(video.site_id)}/videos/{int(video.id)}")


def source_key(video) -> str:
    return f"{video_prefix(video)}/source"


def outputs_prefix(video, job_id: int) -> str:
    """Each encode job writes under its own prefix; the database switch publishes it."""
    return f"{video_prefix(video)}/outputs/{int(job_id)}"


JOB_PREFIX = re.compile(r"^(.*/outputs/\d+)/")


def job_prefix(key: str) -> str:
    """``sites/1/videos/2/outputs/7/hls/x.m3u8`` -> ``sites/1/videos/2/outputs/7``."""
    match = JOB_PREFIX.match(key)
    return match.group(1) if match else key


def get_storage(registry, site) -> Storage:
    storage = site_hooks(registry, site).amphi_storage(registry=registry, site=site)
    if storage is None:
        raise ConfigurationError(f"no storage plugin is enabled on site {site.slug!r}")
    return storage


def request_storage(request) -> Storage:
    return get_storage(request.registry, request.site)


def includeme(config):
    config.add_request_method(request_storage, "storage", reify=True)
