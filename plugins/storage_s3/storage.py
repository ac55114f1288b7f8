"""An S3 bucket (any S3-compatible store) as storage: keys live under ``<prefix><key>`` in one bucket.

S3 objects cannot grow: :meth:`S3Storage.append` (what tus uploads use) sends each appended chunk as the next
parts of one multipart upload open on the key, and :meth:`S3Storage.seal` completes it when the last byte
arrived (no copy of the bytes; see :mod:`plugins.storage_s3.multipart`). Keys appended before that scheme
(each piece an object ``<key>@<offset>``) still read as the concatenation of their pieces and are joined by
the store (UploadPartCopy) when sealed or appended to. No method holds a whole file in memory.
"""

from __future__ import annotations

import io
import itertools
import logging
import mimetypes
import os
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from core.plugin_api import MEDIA_TYPES, check_key

log = logging.getLogger(__name__)

MIB = 1024 * 1024
#: S3's smallest part (all but the last part of a multipart upload).
MIN_PART = 5 * MIB
#: The most one UploadPartCopy copies (S3 allows 5 GiB).
MAX_COPY = 1024 * MIB
#: Marks an appended piece: ``sites/1/uploads/ab@000000067108864``.
PIECE = "@"
READ_CHUNK = MIB


@dataclass(frozen=True)
class Segment:
    """A stored object's bytes ``[start, start + size)`` (for a piece: the object, ``start`` its place in the key)."""

    name: str
    start: int
    size: int


class S3Storage:
    """:class:`core.pipeline.storage.Storage` on a bucket.

    ``client`` talks to the store; ``public_client`` presigns the URLs viewers are redirected to (its endpoint
    is the one browsers reach). ``delivery``: ``accel`` (X-Accel-Redirect to ``accel_prefix``, where nginx
    proxies the presigned URL), ``redirect`` (302 to a presigned URL) or ``app`` (the app streams the bytes).
    """

    def __init__(
        self,
        client,
        bucket: str,
        prefix: str = "",
        *,
        public_client=None,
        delivery: str = "accel",
        accel_prefix: str = "/_s3/",
        url_ttl: int = 300,
        part_size: int = 16 * MIB,
        concurrency: int = 4,
    ):
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.public_client = public_client or client
        self.delivery, self.accel_prefix, self.url_ttl = delivery, accel_prefix, url_ttl
        self.part_size, self.concurrency = max(part_size, MIN_PART), max(1, concurrency)

    # --- names ------------------------------------------------------------

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _key(self, name: str) -> str:
        return name[len(self.prefix) :]

    def _list(self, name_prefix: str) -> Iterator[dict]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=name_prefix):
            yield from page.get("Contents", ())

    def _head(self, name: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _status(exc) == 404:
                return None
            raise

    def _pieces(self, name: str) -> list[Segment]:
        return [
            Segment(item["Key"], int(item["Key"].rsplit(PIECE, 1)[1]), item["Size"])
            for item in sorted(self._list(name + PIECE), key=lambda item: item["Key"])
            if item["Key"].rsplit(PIECE, 1)[1].isdigit()  # not the tail of a multipart upload
        ]

    def _settled(self, name: str, upto: int | None = None, renew=lambda: None) -> None:
        """An appended key as one plain object: legacy pieces joined, an open multipart upload completed."""
        from plugins.storage_s3 import multipart

        pieces = self._pieces(name)
        if pieces:
            self._compose(name, [Segment(p.name, 0, p.size) for p in pieces], "application/octet-stream", renew)
            self._delete_names([piece.name for piece in pieces])
        state = multipart.pending(self, name)
        if state is not None:
            multipart.settle(self, name, state, upto, renew)

    def _segments(self, key: str) -> list[Segment]:
        """The objects holding ``key``'s bytes in order (one for a plain object); FileNotFoundError if none."""
        name = self._name(key)
        head = self._head(name)
        if head is not None:
            return [Segment(name, 0, head["ContentLength"])]
        pieces = self._pieces(name)
        if not pieces:
            raise FileNotFoundError(key)
        return pieces

    def _size(self, key: str) -> int | None:
        """The bytes of ``key`` (plain, pieced or an open multipart upload), None if it does not exist."""
        from plugins.storage_s3 import multipart

        try:
            return sum(segment.size for segment in self._segments(key))
        except FileNotFoundError:
            state = multipart.pending(self, self._name(key))
            return None if state is None else state.size

    # --- the contract -----------------------------------------------------

    def save(self, key: str, stream: BinaryIO) -> int:
        return self._upload(self._name(key), stream, None, content_type(key), empty=True)

    def append(self, key: str, stream: BinaryIO, limit: int | None = None) -> int:
        from plugins.storage_s3 import multipart

        name = self._name(key)
        if self._pieces(name):
            self._settled(name)  # a key appended before multipart appends: one object, then parts again
        return multipart.append(self, name, stream, limit)

    def open(self, key: str) -> BinaryIO:
        if self._head(self._name(key)) is None:
            self._settled(self._name(key))  # an unfinished upload read: completed first
        return io.BufferedReader(SegmentsReader(self.client, self.bucket, self._segments(key)), READ_CHUNK)

    def size(self, key: str) -> int:
        size = self._size(key)
        if size is None:
            raise FileNotFoundError(key)
        return size

    def exists(self, key: str) -> bool:
        return self._size(key) is not None

    def truncate(self, key: str, size: int) -> None:
        name = self._name(key)
        if self._head(name) is None:
            self._settled(name, upto=size)  # an open multipart upload: the parts up to ``size`` completed
        segments = self._segments(key)
        if len(segments) == 1 and segments[0].name == name:
            self._compose(name, [Segment(name, 0, min(size, segments[0].size))], content_type(key))
            return
        for segment in segments:
            if segment.start >= size:
                self.client.delete_object(Bucket=self.bucket, Key=segment.name)
            elif segment.start + segment.size > size:
                kept = Segment(segment.name, 0, size - segment.start)
                self._compose(segment.name, [kept], "application/octet-stream")

    def seal(self, key: str, renew=lambda: None) -> None:
        """The last byte arrived: complete the key's multipart upload, one object (``move`` then copies it)."""
        self._settled(self._name(key), renew=renew)

    def move(self, source: str, target: str) -> None:
        if self._head(self._name(source)) is None:
            self._settled(self._name(source))
        segments, name = self._segments(source), self._name(target)
        if len(segments) == 1 and segments[0].start == 0:
            self._copy(segments[0].name, name, segments[0].size, content_type(target))
        else:
            self._compose(name, [Segment(s.name, 0, s.size) for s in segments], content_type(target))
        self.delete(source)

    def delete(self, key: str) -> None:
        from plugins.storage_s3 import multipart

        name = self._name(key)
        multipart.abort_all(self, name)  # an upload terminated or expired: its parts go with it
        self._delete_names([name] + [piece.name for piece in self._pieces(name)])

    def delete_prefix(self, prefix: str) -> None:
        self._delete_names([item["Key"] for item in self._list(self._name(prefix) + "/")])

    def put_tree(self, folder: str, prefix: str) -> list[str]:
        files = []
        for directory, _dirs, names in os.walk(folder):
            for filename in sorted(names):
                path = os.path.join(directory, filename)
                files.append((path, f"{prefix}/{os.path.relpath(path, folder).replace(os.sep, '/')}"))
        for _path, key in files:
            check_key(key)

        def put(item: tuple[str, str]) -> str:
            path, key = item
            with open(path, "rb") as handle:
                self._upload(self._name(key), handle, None, content_type(key), empty=True)
            return key

        with ThreadPoolExecutor(self.concurrency) as pool:  # an encode writes hundreds of small segments
            return list(pool.map(put, files))

    def walk(self, prefix: str) -> Iterator[tuple[str, int]]:
        from plugins.storage_s3 import multipart

        pieced: dict[str, int] = {}
        for name in self._open_uploads(self._name(prefix) + "/"):
            state = multipart.pending(self, name)
            if state is not None and self._head(name) is None:
                pieced[self._key(name)] = state.size
        for item in self._list(self._name(prefix) + "/"):
            name = item["Key"]
            if name.endswith(multipart.TAIL):
                continue  # counted with its multipart upload
            if PIECE in name:
                whole = self._key(name.rsplit(PIECE, 1)[0])
                pieced[whole] = pieced.get(whole, 0) + item["Size"]
            else:
                yield self._key(name), item["Size"]
        yield from pieced.items()

    def _open_uploads(self, name_prefix: str) -> set[str]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=name_prefix)
        return {upload["Key"] for page in pages for upload in page.get("Uploads", ())}

    def local_path(self, key: str) -> str | None:
        return None

    def accel_path(self, key: str) -> str | None:
        """``<accel_prefix><scheme>/<host>/<path>?<presigned query>``: nginx proxies it (see docs/storage-s3.md)."""
        if self.delivery != "accel":
            return None
        url = urlsplit(self._presign(self.client, key))
        return f"{self.accel_prefix.rstrip('/')}/{url.scheme}/{url.netloc}{url.path}?{url.query}"

    def redirect_url(self, key: str) -> str | None:
        """A presigned URL viewers are sent to (``delivery = redirect``), living ``url_ttl`` seconds."""
        if self.delivery != "redirect":
            return None
        return self._presign(self.public_client, key)

    # --- writing -------------------------------------------------------------

    def _upload(self, name: str, stream: BinaryIO, limit: int | None, mime: str, empty: bool) -> int:
        """Write at most ``limit`` bytes of ``stream`` to ``name``: one PUT when they fit in a part, else a
        multipart upload. A file (a request body spooled by the server, an encode's output) is sent from the
        disk, ``concurrency`` parts at a time (no copy in memory); any other stream is read one part at a time. Returns the bytes written; with nothing to write, an empty object is made only if
        ``empty``."""
        bodies = part_bodies(stream, limit, self.part_size)
        first = next(bodies, None)
        second = next(bodies, None) if first is not None else None
        if second is None:
            if first is not None or empty:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=first or b"", ContentType=mime)
            return len(first) if first is not None else 0
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=name, ContentType=mime)["UploadId"]
        try:
            # Ranges of a file cost no memory: several go at once; parts read into memory go one by one.
            parallel = self.concurrency if isinstance(first, FileRange) else 1
            written, tags = self._parts(name, upload, itertools.chain((first, second), bodies), parallel)
            parts = [{"PartNumber": number, "ETag": tag} for number, tag in enumerate(tags, 1)]
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload)
            raise
        return written

    def _parts(self, name: str, upload: str, bodies: Iterator, parallel: int, first: int = 1) -> tuple[int, list]:
        """Send ``bodies`` as the parts of ``upload`` numbered from ``first``, ``parallel`` at a time."""
        slots = threading.BoundedSemaphore(parallel)
        futures, written = [], 0

        def send(number: int, body) -> str:
            try:
                part = {"Bucket": self.bucket, "Key": name, "UploadId": upload, "PartNumber": number}
                return self.client.upload_part(Body=body, **part)["ETag"]
            finally:
                slots.release()

        with ThreadPoolExecutor(parallel) as pool:
            for body in bodies:
                slots.acquire()  # a part read only when one may be sent: no more than ``parallel`` waiting
                if any(future.done() and future.exception() for future in futures):
                    slots.release()
                    break
                futures.append(pool.submit(send, len(futures) + first, body))
                written += len(body)
        return written, [future.result() for future in futures]

    # --- the store's own copies -------------------------------------------

    def _presign(self, client, key: str) -> str:
        params = {"Bucket": self.bucket, "Key": self._name(key)}
        return client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.url_ttl)

    def _copy(self, source: str, target: str, size: int, mime: str | None = None) -> None:
        """Copy one object inside the store (no byte passes through here)."""
        if size > MAX_COPY:
            self._compose(target, [Segment(source, 0, size)], mime or "application/octet-stream")
            return
        extra = {"ContentType": mime, "MetadataDirective": "REPLACE"} if mime else {}
        self.client.copy_object(
            Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source}, **extra
        )

    def _compose(self, target: str, ranges: list[Segment], mime: str, renew=lambda: None) -> None:
        """Write ``target`` as the bytes ``[start, start + size)`` of each object of ``ranges``, in order
        (``renew()`` called after each part)."""
        if sum(r.size for r in ranges) == 0:
            self.client.put_object(Bucket=self.bucket, Key=target, Body=b"", ContentType=mime)
            return
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=target, ContentType=mime)["UploadId"]
        try:
            parts = Parts(self, target, upload, renew)
            for segment in ranges:
                parts.add(segment)
            parts.flush()
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=target, UploadId=upload, MultipartUpload={"Parts": parts.done}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload)
            raise

    def _delete_names(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = [{"Key": name} for name in names[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})


class Parts:
    """The parts of one multipart upload: large ranges copied by the store, small ones through one buffer."""

    def __init__(self, storage: S3Storage, target: str, upload: str, renew=lambda: None):
        self.storage, self.target, self.upload, self.renew = storage, target, upload, renew
        self.buffer = bytearray()
        self.done: list[dict] = []

    def _call(self, method: str, **kwargs) -> dict:
        part = {"Bucket": self.storage.bucket, "Key": self.target, "UploadId": self.upload}
        return getattr(self.storage.client, method)(PartNumber=len(self.done) + 1, **part, **kwargs)

    def add(self, segment: Segment) -> None:
        start, remaining = segment.start, segment.size
        while remaining:
            if not self.buffer and remaining >= MIN_PART:
                # The piece after a copy must reach MIN_PART too: never leave a tail shorter than that.
                length = remaining if remaining <= MAX_COPY else min(MAX_COPY, remaining - MIN_PART)
                bytes_range = f"bytes={start}-{start + length - 1}"
                source = {"Bucket": self.storage.bucket, "Key": segment.name}
                answer = self._call("upload_part_copy", CopySource=source, CopySourceRange=bytes_range)
                self.done.append({"PartNumber": len(self.done) + 1, "ETag": answer["CopyPartResult"]["ETag"]})
                self.renew()
            else:
                length = min(remaining, self.storage.part_size - len(self.buffer))
                body = self.storage.client.get_object(
                    Bucket=self.storage.bucket, Key=segment.name, Range=f"bytes={start}-{start + length - 1}"
                )["Body"]
                while chunk := body.read(READ_CHUNK):
                    self.buffer += chunk
                if len(self.buffer) >= self.storage.part_size:
                    self.flush()
            start, remaining = start + length, remaining - length

    def flush(self) -> None:
        if self.buffer:
            answer = self._call("upload_part", Body=bytes(self.buffer))
            self.done.append({"PartNumber": len(self.done) + 1, "ETag": answer["ETag"]})
            self.buffer = bytearray()
            self.renew()


class SegmentsReader(io.RawIOBase):
    """A seekable, read-only file over whole stored objects in order: one ranged GET streamed from the
    position, reopened on seek."""

    def __init__(self, client, bucket: str, segments: list[Segment]):
        self.client, self.bucket = client, bucket
        self.segments, self.length = [], 0
        for segment in segments:
            self.segments.append((self.length, segment))
            self.length += segment.size
        self.position, self.body, self.body_at = 0, None, -1

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        if self.position >= self.length:
            return 0
        if self.body is None or self.body_at != self.position:
            self._open_body()
        data = self.body.read(min(len(buffer), self.segment_end - self.position))
        if not data:
            raise OSError(f"the store ended {self.bucket} early at byte {self.position}")
        buffer[: len(data)] = data
        self.position += len(data)
        self.body_at = self.position
        if self.position >= self.segment_end:
            self._close_body()
        return len(data)

    def _open_body(self) -> None:
        self._close_body()
        at, segment = next((at, s) for at, s in self.segments if at <= self.position < at + s.size)
        self.body = self.client.get_object(
            Bucket=self.bucket, Key=segment.name, Range=f"bytes={self.position - at}-{segment.size - 1}"
        )["Body"]
        self.body_at, self.segment_end = self.position, at + segment.size

    def _close_body(self) -> None:
        if self.body is not None:
            self.body.close()
        self.body, self.body_at = None, -1

    def close(self) -> None:
        self._close_body()
        super().close()


def content_type(key: str) -> str:
    extension = os.path.splitext(key)[1]
    return MEDIA_TYPES.get(extension) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def part_bodies(stream: BinaryIO, limit: int | None, part_size: int) -> Iterator:
    """At most ``limit`` bytes of ``stream`` as bodies of ``part_size`` bytes (the last one shorter): ranges of
    the file itself when ``stream`` is a file on disk (then moved past them at the end), else bytes read."""
    spooled = _file_from(stream)
    if spooled is not None:
        descriptor, start, available = spooled
        total = available if limit is None else min(limit, available)
        for offset in range(0, total, part_size):
            yield FileRange(descriptor, start + offset, min(part_size, total - offset))
        stream.seek(start + total)
        return
    written = 0
    while limit is None or written < limit:
        wanted = part_size if limit is None else min(part_size, limit - written)
        body = _read_full(stream, wanted)
        if not body:
            return
        written += len(body)
        yield body
        if len(body) < wanted:
            return


def _file_from(stream) -> tuple[int, int, int] | None:
    """``(descriptor, position, bytes after it)`` when ``stream`` is a regular file, else None."""
    try:
        descriptor, position = stream.fileno(), stream.tell()
        status = os.fstat(descriptor)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return (descriptor, position, max(0, status.st_size - position)) if stat.S_ISREG(status.st_mode) else None


class FileRange(io.RawIOBase):
    """``length`` bytes of a file from ``start``, read with pread (parts sent at once share no file position)."""

    def __init__(self, descriptor: int, start: int, length: int):
        self.descriptor, self.start, self.length, self.position = descriptor, start, length, 0

    def __len__(self) -> int:
        return self.length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.length}[whence]
        self.position = min(max(0, base + offset), self.length)
        return self.position

    def read(self, size: int = -1) -> bytes:
        wanted = self.length - self.position if size is None or size < 0 else min(size, self.length - self.position)
        data = os.pread(self.descriptor, wanted, self.start + self.position) if wanted > 0 else b""
        self.position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``: fewer only at its end (a socket may give less per read)."""
    chunks, missing = [], size
    while missing > 0:
        chunk = stream.read(missing)
        if not chunk:
            break
        chunks.append(chunk)
        missing -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _piece_name(name: str, offset: int) -> str:
    return f"{name}{PIECE}{offset:015d}"


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
