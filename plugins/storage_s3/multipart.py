"""Appended keys (tus uploads) as one S3 multipart upload, completed when the last byte arrived.

An appended key ``<name>`` is, while it grows, the multipart upload open on ``<name>`` (its parts, in order,
each of at least :data:`MIN_PART` bytes) followed by at most one small object ``<name>@tail``: the bytes of
a chunk's end too few to make a part (S3 refuses a part under 5 MiB but the last). The tail records where it
starts (metadata ``start``); the next append fetches it to a scratch file on local disk (never into memory)
and sends it with its first bytes as one part. Nothing is kept anywhere but in the store, so a chunk may
arrive at any web process on any host, and an interrupted upload resumes at the size the store reports.

:func:`settle` completes the multipart upload (the tail, if any, copied by the store as its last part): the
key becomes one plain object, with no copy of its bytes. ``seal`` does it when the last byte arrived; reading
(``open``), cutting (``truncate``) or moving an unfinished key does it first. Appending to a plain object
makes it the first parts again (copied by the store, or the tail when it is small).
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from botocore.exceptions import ClientError

from plugins.storage_s3.storage import MIN_PART, PIECE, FileRange, Parts, Segment, _file_from, _status, part_bodies

if TYPE_CHECKING:
    from plugins.storage_s3.storage import S3Storage

TAIL = PIECE + "tail"
READ_CHUNK = 1024 * 1024


@dataclass
class Pending:
    """An unfinished appended key: its multipart upload, its parts in order from 1, its tail's size."""

    upload: str
    parts: list[dict] = field(default_factory=list)
    stray: bool = False  # parts after a gap (a part that failed while later ones were sent)
    tail: int = 0
    stale_tail: bool = False  # a tail already sent as a part (its delete failed or did not happen)

    @property
    def parts_size(self) -> int:
        return sum(part["Size"] for part in self.parts)

    @property
    def size(self) -> int:
        return self.parts_size + self.tail


def uploads_of(storage: S3Storage, name: str) -> list[str]:
    """The ids of the multipart uploads open on exactly ``name``, oldest first."""
    found, answer = [], storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=name)
    while True:
        found += [(u["Initiated"], u["UploadId"]) for u in answer.get("Uploads", ()) if u["Key"] == name]
        if not answer.get("IsTruncated"):
            return [upload for _at, upload in sorted(found)]
        answer = storage.client.list_multipart_uploads(
            Bucket=storage.bucket,
            Prefix=name,
            KeyMarker=answer["NextKeyMarker"],
            UploadIdMarker=answer["NextUploadIdMarker"],
        )


def pending(storage: S3Storage, name: str) -> Pending | None:
    """The unfinished state of ``name``, or None when it has no multipart upload open."""
    uploads = uploads_of(storage, name)
    if not uploads:
        return None
    state = Pending(uploads[0])
    listed = []
    for page in storage.client.get_paginator("list_parts").paginate(
        Bucket=storage.bucket, Key=name, UploadId=state.upload
    ):
        listed += page.get("Parts", ())
    for number, part in enumerate(sorted(listed, key=lambda p: p["PartNumber"]), 1):
        if part["PartNumber"] != number:
            state.stray = True
            break
        state.parts.append({"PartNumber": number, "ETag": part["ETag"], "Size": part["Size"]})
    head = storage._head(name + TAIL)
    if head is not None:
        start = int(head.get("Metadata", {}).get("start", -1))
        if start == state.parts_size:
            state.tail = head["ContentLength"]
        else:  # sent as the first part of a later append, or left by parts that failed: not the key's bytes
            state.stale_tail = True
    return state


def start(storage: S3Storage, name: str) -> Pending:
    """Open the multipart upload of ``name``; a plain object already there becomes its first bytes."""
    state = Pending(storage.client.create_multipart_upload(Bucket=storage.bucket, Key=name)["UploadId"])
    head = storage._head(name)
    if head is None:
        return state
    size = head["ContentLength"]
    if size < MIN_PART:  # too small for a part: the tail
        source = {"Bucket": storage.bucket, "Key": name}
        storage.client.copy_object(
            Bucket=storage.bucket,
            Key=name + TAIL,
            CopySource=source,
            Metadata={"start": "0"},
            MetadataDirective="REPLACE",
        )
        state.tail = size
    elif size:
        parts = Parts(storage, name, state.upload)
        parts.add(Segment(name, 0, size))  # every part copied by the store (no piece under MIN_PART is left)
    storage.client.delete_object(Bucket=storage.bucket, Key=name)
    return pending(storage, name) if size >= MIN_PART else state


def prepared(storage: S3Storage, name: str) -> Pending:
    """The multipart upload to append to, made consistent first (after a crash or a failed request)."""
    state = pending(storage, name)
    if state is not None and state.stray:
        settle(storage, name, state)  # the parts in order become the object; the others are dropped
        state = None
    if state is None:
        return start(storage, name)
    if state.stale_tail:
        storage.client.delete_object(Bucket=storage.bucket, Key=name + TAIL)
        state.stale_tail = False
    if not state.parts and not state.tail and storage._head(name) is not None:
        storage.client.abort_multipart_upload(Bucket=storage.bucket, Key=name, UploadId=state.upload)
        return start(storage, name)  # a process stopped between opening the upload and copying the object
    storage.client.delete_object(Bucket=storage.bucket, Key=name)  # a converted object left by a crash
    return state


def append(storage: S3Storage, name: str, stream: BinaryIO, limit: int | None) -> int:
    """Send at most ``limit`` bytes of ``stream`` as the next parts of ``name``; a last body under
    :data:`MIN_PART` becomes the tail. Returns the bytes of ``stream`` written."""
    state = prepared(storage, name)
    bodies_of = part_bodies if _file_from(stream) is not None else spooled_bodies
    with tempfile.TemporaryFile(prefix="amphi-s3-tail-") as scratch:
        taken, bodies = 0, bodies_of(stream, limit, storage.part_size)
        if state.tail:
            taken = fill_scratch(storage, name, state.tail, scratch, stream, limit)
            rest = None if limit is None else limit - taken
            head = FileRange(scratch.fileno(), 0, state.tail + taken)
            more = len(head) == storage.part_size and rest != 0
            bodies = itertools.chain([head], bodies_of(stream, rest, storage.part_size) if more else ())
        sent, tail_written = send(storage, name, state, bodies, storage.concurrency)
    if state.tail and not tail_written and sent:
        storage.client.delete_object(Bucket=storage.bucket, Key=name + TAIL)  # it went with the first part
    return sent - state.tail


def spooled_bodies(stream: BinaryIO, limit: int | None, part_size: int):
    """At most ``limit`` bytes of a stream that is not a file (a request body read from its socket) as parts
    of ``part_size`` bytes (the last one shorter), each spooled to a temporary file on local disk: parts are
    sent several at a time with no part held in memory. A part's file goes when its body is dropped."""
    written = 0
    while limit is None or written < limit:
        wanted = part_size if limit is None else min(part_size, limit - written)
        spool = tempfile.TemporaryFile(prefix="amphi-s3-part-")
        length = copy_into(spool, stream, wanted)
        if not length:
            spool.close()
            return
        written += length
        yield SpooledPart(spool, length)
        if length < wanted:
            return


class SpooledPart(FileRange):
    """A part's bytes in a temporary file of its own, closed (and so removed) with the body."""

    def __init__(self, spool, length: int):
        super().__init__(spool.fileno(), 0, length)
        self.spool = spool

    def __del__(self):
        self.spool.close()


def copy_into(target, stream: BinaryIO, wanted: int) -> int:
    """Copy up to ``wanted`` bytes of ``stream`` to the file ``target`` (1 MiB at a time); the bytes copied."""
    taken = 0
    while taken < wanted:
        chunk = stream.read(min(READ_CHUNK, wanted - taken))
        if not chunk:
            break
        target.write(chunk)
        taken += len(chunk)
    target.flush()
    return taken


def fill_scratch(storage: S3Storage, name: str, tail: int, scratch, stream: BinaryIO, limit: int | None) -> int:
    """The tail, then the stream's first bytes up to one part, in ``scratch``; returns the stream's bytes."""
    storage.client.download_fileobj(storage.bucket, name + TAIL, scratch)
    scratch.seek(tail)
    wanted = storage.part_size - tail if limit is None else min(storage.part_size - tail, limit)
    return copy_into(scratch, stream, wanted)


def send(storage: S3Storage, name: str, state: Pending, bodies, parallel: int) -> tuple[int, bool]:
    """Send ``bodies`` as parts after ``state``'s, ``parallel`` at a time; a body under MIN_PART (only ever the
    last) is put as the tail. Returns the bytes sent and whether a tail was put."""
    first = len(state.parts) + 1
    tail, at = [], state.parts_size

    def parts():
        nonlocal at
        for body in bodies:
            if len(body) < MIN_PART:
                tail.append((at, body))  # the last body: the loop ends (and a file's position moves past it)
                continue
            at += len(body)
            yield body

    written, _tags = storage._parts(name, state.upload, parts(), parallel, first=first)
    for offset, body in tail:  # after every part succeeded: its start is then where the parts end
        storage.client.put_object(Bucket=storage.bucket, Key=name + TAIL, Body=body, Metadata={"start": str(offset)})
        written += len(body)
    return written, bool(tail)


def settle(storage: S3Storage, name: str, state: Pending, upto: int | None = None, renew=lambda: None) -> None:
    """Complete the multipart upload into the object ``name`` (its tail copied by the store as the last part).
    ``upto``: only the parts up to the one holding that byte count (the caller cuts the object there)."""
    kept = []
    for part in state.parts:
        if upto is not None and sum(p["Size"] for p in kept) >= upto:
            break
        kept.append(part)
    with_tail = state.tail and (upto is None or sum(p["Size"] for p in kept) < upto)
    tail = {"Bucket": storage.bucket, "Key": name + TAIL}
    common = {"Bucket": storage.bucket, "Key": name, "UploadId": state.upload}
    if not kept:
        if with_tail:
            storage.client.copy_object(Bucket=storage.bucket, Key=name, CopySource=tail, **_octets())
        else:
            storage.client.put_object(Bucket=storage.bucket, Key=name, Body=b"", **_octets(False))
        storage.client.abort_multipart_upload(**common)
    else:
        if with_tail:
            number = len(kept) + 1
            answer = storage.client.upload_part_copy(PartNumber=number, CopySource=tail, **common)
            kept.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            renew()
        done = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in kept]
        storage.client.complete_multipart_upload(MultipartUpload={"Parts": done}, **common)
    renew()
    storage.client.delete_object(**tail)


def abort_all(storage: S3Storage, name: str) -> None:
    """Abort every multipart upload open on ``name`` and delete its tail (an upload deleted or expired)."""
    for upload in uploads_of(storage, name):
        try:
            storage.client.abort_multipart_upload(Bucket=storage.bucket, Key=name, UploadId=upload)
        except ClientError as exc:
            if _status(exc) != 404:  # aborted meanwhile
                raise
    storage.client.delete_object(Bucket=storage.bucket, Key=name + TAIL)


def _octets(copy: bool = True) -> dict:
    extra = {"ContentType": "application/octet-stream"}
    return {**extra, "MetadataDirective": "REPLACE"} if copy else extra
