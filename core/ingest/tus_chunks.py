"""Writing one tus chunk while holding the upload's claim (:mod:`core.ingest.upload_claims`).

The bytes go to storage in pieces, the claim renewed between them. A chunk announced with a
checksum is spilled to a temporary file and verified before anything is appended; without one, a
write that fails half-way (the client went away) keeps the bytes that reached storage.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tempfile
from contextlib import contextmanager

from core.ingest.upload_claims import Claim, drop_if_gone
from core.platform.i18n import _

CHUNK = 1024 * 1024
#: Bytes appended between two renewals of the writer's claim (at disk speed, seconds).
PIECE = 64 * CHUNK
log = logging.getLogger(__name__)


class TusError(Exception):
    """Answered as ``status`` with a plain-text ``message`` and the tus headers."""

    def __init__(self, status: int, message, headers: dict | None = None):
        super().__init__(str(message))
        self.status, self.message, self.headers = status, message, headers or {}


LOST = _("Another request took over this upload; ask its offset (HEAD) and resume.")


def write_claimed(request, ticket: Claim, key: str, stream, length: int, checksum: str | None) -> int:
    """Append the body; when that fails, keep what reached storage (none of it if a checksum was sent)."""
    storage = request.storage
    if length == 0:  # nothing to write (a finished upload asked again): no file to touch
        return 0
    try:
        prepare_append(storage, key, ticket.offset)
        if not checksum:
            return append_pieces(storage, ticket, key, stream, length)
        with verified_spill(ticket, stream, length, checksum) as spill:
            return append_pieces(storage, ticket, key, spill, length)
    except BaseException:
        keep_what_arrived(request, ticket, key, length, keep=not checksum)
        raise


def seal_claimed(request, ticket: Claim, key: str) -> None:
    """The last byte arrived: a storage that keeps appended bytes in pieces (an object store) joins them now,
    under the claim (renewed as it goes) and outside any transaction, before the upload becomes a video.

    On failure the claim is given back and the offset stays where it was: the client sends its last chunk
    again (:func:`prepare_append` cuts what is past the offset).
    """
    seal = getattr(request.storage, "seal", None)
    if seal is None:
        return

    def renew() -> None:
        if not ticket.renew_if_due():
            raise TusError(409, LOST)

    try:
        seal(key, renew)
    except BaseException:
        log.warning("upload %s: its pieces could not be joined", ticket.upload_id, exc_info=True)
        try:
            ticket.release()
        except Exception:  # noqa: BLE001 — the claim lapses by itself; the first error is the one to see
            log.exception("upload %s: could not give back its claim", ticket.upload_id)
        raise


def prepare_append(storage, key: str, offset: int) -> None:
    """Make the stored bytes end exactly at the recorded offset before appending.

    Bytes a failed request wrote past it are cut off, so the client's resend at that offset cannot
    duplicate them. Bytes missing below it cannot be made up: the upload must start again.
    """
    size = storage.size(key) if storage.exists(key) else 0
    if size < offset:
        raise TusError(410, _("The bytes of this upload are lost; start it again."))
    if size > offset:
        storage.truncate(key, offset)


def append_pieces(storage, ticket: Claim, key: str, source, length: int) -> int:
    """Append ``length`` bytes of ``source`` (fewer if it ends first), renewing the claim between pieces."""
    written = 0
    while written < length:
        wanted = min(PIECE, length - written)
        piece = storage.append(key, source, limit=wanted)
        written += piece
        if not ticket.renew_if_due():
            raise TusError(409, LOST)
        if piece < wanted:  # the body ended early (a cut request): what came is kept
            break
    return written


@contextmanager
def verified_spill(ticket: Claim, stream, length: int, checksum: str):
    """The whole chunk in a temporary file, once its sha1 matches ``checksum`` (460 otherwise)."""
    expected = checksum.partition(" ")[2].strip()
    digest = hashlib.sha1()
    with tempfile.TemporaryFile() as spill:
        remaining = length
        while remaining:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                break
            digest.update(chunk)
            spill.write(chunk)
            remaining -= len(chunk)
            if not ticket.renew_if_due():
                raise TusError(409, LOST)
        if remaining or base64.b64encode(digest.digest()).decode() != expected:
            raise TusError(460, _("The chunk does not match its checksum; send it again."))
        spill.seek(0)
        yield spill


def keep_what_arrived(request, ticket: Claim, key: str, length: int, keep: bool) -> None:
    """After a failed write: record the bytes that reached storage (if ``keep``) and give the claim back;
    if the upload was deleted meanwhile, delete the bytes (they belong to nobody)."""
    try:
        storage = request.storage
        size = storage.size(key) if keep and storage.exists(key) else 0
        arrived = max(0, min(size, ticket.offset + length) - ticket.offset)
        if arrived and ticket.advance(ticket.offset + arrived):
            log.info("upload %s: kept %d bytes of a write that failed", ticket.upload_id, arrived)
        ticket.release()
        drop_if_gone(request, ticket.upload_id, key)
    except Exception:  # noqa: BLE001 — the claim lapses by itself; the first error is the one to see
        log.exception("upload %s: could not give back its claim", ticket.upload_id)
