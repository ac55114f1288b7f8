"""Resumable uploads: the tus 1.0.0 protocol under ``/api/uploads/``.

Extensions: creation, creation-with-upload, termination, expiration and checksum (sha1). A request
that brings bytes first claims the upload (:mod:`core.ingest.upload_claims`): one writer at a time on every
database, and no transaction open while the bytes stream to storage in pieces (flat memory,
:mod:`core.ingest.tus_chunks`). A chunk with a checksum is verified before it is appended, so a corrupt or
torn chunk is never kept; without one, the bytes of a request cut short (a network drop, see
:mod:`core.platform.server`) are kept and the client resumes after the last byte received. When the last
byte arrives the upload becomes a video (:func:`core.ingest.ingest_stored_file`), once. No file
exists before the first byte, and every way an upload ends (finished, terminated, expired) leaves
none behind under its key.
"""

from __future__ import annotations

import base64
import binascii
import logging
import uuid
from datetime import timedelta
from email.utils import format_datetime

from pyramid.response import Response
from pyramid.view import view_config

from core.access.tokens import BEARER_CHALLENGE
from core.catalogue.metadata import check_upload_metadata
from core.ingest import QuotaExceeded, check_quota, ingest_stored_file
from core.ingest.tus_chunks import LOST, TusError, seal_claimed, write_claimed
from core.ingest.upload_claims import Claim, claim, current, drop_if_gone
from core.models import Upload, utcnow
from core.pipeline.storage import upload_key
from core.platform.db import commit_now, rollback_now
from core.platform.errors import ValidationError
from core.platform.i18n import _
from core.platform.server import TUS_CHUNK as OCTETS
from core.platform.settings import setting
from core.platform.sites import upload_limits

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
log = logging.getLogger(__name__)


def tus_response(request, status: int = 204, headers: dict | None = None, body: str = "") -> Response:
    response = Response(status=status, body=body.encode(), content_type="text/plain" if body else None)
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


@view_config(context=TusError)
def tus_error(exc, request):
    return tus_response(request, exc.status, exc.headers, request.localizer.translate(exc.message))


# --- limits -------------------------------------------------------------------


def site_upload_limits(request) -> tuple[int, int]:
    """``(largest upload, quota per user)`` in bytes on the request's site; 0: none."""
    return upload_limits(request.registry.settings, request.site)


def check_size(request, length: int, pending_id: str | None = None) -> None:
    if length == 0:
        raise TusError(400, _("The file is empty."))
    maximum, _quota = site_upload_limits(request)
    if maximum and length > maximum:
        raise TusError(
            413, _("The file is larger than this site accepts (${max} MB).", mapping={"max": maximum // 1_000_000})
        )
    try:
        check_quota(request, request.user, length, exclude_upload=pending_id)
    except QuotaExceeded as exc:
        raise TusError(413, exc.message) from None


# --- headers ------------------------------------------------------------------


def require_tus(request) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusError(412, _("This server speaks tus 1.0.0."), {"Tus-Version": TUS_VERSION})


def int_header(request, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise TusError(400, _("The ${name} header must be a whole number.", mapping={"name": name}))
    return int(value)


def parse_metadata(header: str) -> dict:
    """``filename ZmlsZS5tcDQ=,title VGl0cmU=`` -> ``{"filename": "file.mp4", "title": "Titre"}``."""
    metadata = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _sep, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, _("Upload-Metadata is not valid base64.")) from None
    return metadata


def checked_metadata(request, metadata: dict) -> dict:
    """``metadata`` if the video fields it gives are ones the upload page offers; else a 400 naming them."""
    try:
        check_upload_metadata(request, metadata)
    except ValidationError as exc:
        reasons = "; ".join(f"{key}: {request.localizer.translate(message)}" for key, message in exc.errors.items())
        raise TusError(400, request.translate("Upload-Metadata: ${reasons}", reasons=reasons)) from None
    return metadata


def format_metadata(metadata: dict) -> str:
    """The inverse of :func:`parse_metadata` (HEAD answers with the upload's metadata)."""
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}".rstrip() for key, value in metadata.items()
    )


def upload_headers(upload: Upload) -> dict:
    headers = {"Upload-Offset": upload.offset, "Upload-Expires": format_datetime(upload.expires_at, usegmt=True)}
    if upload.length is None:
        headers["Upload-Defer-Length"] = 1
    else:
        headers["Upload-Length"] = upload.length
    return headers


# --- the upload's bytes -----------------------------------------------------------


def body_stream(request):
    """The raw request body (never buffered whole by WebOb) and its announced length."""
    length = request.content_length
    if length is None:
        raise TusError(411, _("A Content-Length is needed."))
    return request.body_file_raw, length


def checked_chunk(request, upload: Upload, offset: int, deferred: int | None):
    """The body to append at ``offset``, its length and its checksum, once every rule holds."""
    if request.content_type != OCTETS:
        raise TusError(415, _("Chunks are sent as application/offset+octet-stream."))
    stream, length = body_stream(request)
    if upload.length is None and deferred is not None:
        check_size(request, deferred, pending_id=upload.id)
    total = upload.length if upload.length is not None else deferred
    if total is not None and offset + length > total:
        raise TusError(413, _("The chunk goes past the announced length."))
    if total is None:  # a deferred length must respect the same limits as an announced one
        check_size(request, offset + length, pending_id=upload.id)
    checksum = request.headers.get("Upload-Checksum")
    if checksum and checksum.partition(" ")[0] != "sha1":
        raise TusError(400, _("Only sha1 checksums are supported."))
    return stream, length, checksum


def receive(request, upload: Upload, offset: int, headers: dict, deferred: int | None = None) -> Upload:
    """Append the request body at ``offset`` under the upload's claim; make the video when it is complete.
    Returns the upload as it now stands."""
    upload_id, key = upload.id, upload.key
    total = upload.length if upload.length is not None else deferred  # read now: the claim's commit expires it
    stream, length, checksum = checked_chunk(request, upload, offset, deferred)
    request.storage  # noqa: B018 — made from the site now: once claimed, nothing opens a transaction while bytes stream
    ticket = claim(request, upload_id, offset, deferred)
    if ticket is None:
        raise conflict(request, upload_id)
    written = write_claimed(request, ticket, key, stream, length, checksum)
    if written and offset + written == total:
        seal_claimed(request, ticket, key)
    if not ticket.advance(offset + written):
        raise lost(request, upload_id, key)
    try:
        upload = complete_if_finished(request, ticket, headers)  # still claimed: no other request makes its video
    except BaseException:
        rollback_now(request)  # a video made half-way is not committed with the claim given back
        ticket.release()
        raise
    ticket.give_back()
    return upload


def conflict(request, upload_id: str) -> TusError:
    """409 with the offset as it stands (another writer holds the upload, or the offset moved)."""
    upload = current(request, upload_id)
    if upload is None:
        return TusError(404, _("There is no such upload."))
    return TusError(
        409,
        _(
            "The offset does not match what the server has, or another request is writing "
            "this upload; ask its offset (HEAD) and resume."
        ),
        {"Upload-Offset": upload.offset},
    )


def lost(request, upload_id: str, key: str) -> TusError:
    """The claim lapsed while this request wrote, or the upload was deleted (then its bytes go too)."""
    upload = drop_if_gone(request, upload_id, key)
    if upload is None:
        return TusError(404, _("There is no such upload."))
    return TusError(409, LOST, {"Upload-Offset": upload.offset})


def upload_video_fields(request, metadata: dict) -> dict:
    """What a finished upload's metadata gives its video (see :func:`core.catalogue.metadata.check_upload_metadata`,
    checked again now, leniently), with the site's access for new uploads when none was chosen."""
    fields = check_upload_metadata(request, metadata or {}, lenient=True)
    fields.setdefault("access", request.site.upload_access or "draft")
    return fields


def complete_if_finished(request, ticket: Claim, headers: dict) -> Upload:
    """Make the video of a complete upload (once: the caller holds its claim); returns the upload."""
    upload = current(request, ticket.upload_id)
    if upload is None:  # terminated or expired since the claim advanced
        raise TusError(404, _("There is no such upload."))
    if not upload.finished or upload.video_id is not None:
        return upload
    if not request.storage.exists(upload.key):  # its video was made, then deleted
        raise TusError(410, _("The bytes of this upload are lost; start it again."))
    fields = upload_video_fields(request, upload.metadata_)
    video = ingest_stored_file(request, upload.user, upload.key, upload.filename, **fields)
    upload.video_id = video.id
    headers["Amphi-Video-Id"] = video.id
    headers["Amphi-Video-Url"] = request.route_url("video", video_id=video.id)
    return upload


# --- views ----------------------------------------------------------------------


def find_upload(request) -> Upload:
    """The request user's upload on this site; anything else does not exist."""
    require_credentials(request)
    upload = current(request, request.matchdict["upload_id"])
    if upload is None or upload.site_id != request.site.id or upload.user_id != request.user.id:
        raise TusError(404, _("There is no such upload."))
    if upload.expires_at < utcnow() and upload.video_id is None:
        raise TusError(410, _("This upload expired; start it again."))
    return upload


def require_credentials(request) -> None:
    """A client that sent no credentials is told so (401), with how to send them."""
    if request.user is None:
        raise TusError(401, _("Sign in, or send an access token."), {"WWW-Authenticate": BEARER_CHALLENGE})


def require_uploader(request) -> None:
    require_credentials(request)
    if not request.has_permission("upload"):
        raise TusError(403, _("You may not upload videos on this site."))


@view_config(route_name="tus.collection", request_method="OPTIONS")
def options(request):
    headers = {"Tus-Version": TUS_VERSION, "Tus-Extension": EXTENSIONS, "Tus-Checksum-Algorithm": "sha1"}
    maximum, _quota = site_upload_limits(request)
    if maximum:
        headers["Tus-Max-Size"] = maximum
    return tus_response(request, 204, headers)


@view_config(route_name="tus.collection", request_method="POST")
def create(request):
    require_uploader(request)
    require_tus(request)
    length = int_header(request, "Upload-Length")
    if length is None and request.headers.get("Upload-Defer-Length") != "1":
        raise TusError(400, _("Upload-Length or Upload-Defer-Length is needed."))
    if length is not None:
        check_size(request, length)
    metadata = checked_metadata(request, parse_metadata(request.headers.get("Upload-Metadata", "")))
    upload_id = uuid.uuid4().hex
    upload = Upload(
        id=upload_id,
        site_id=request.site.id,
        user_id=request.user.id,
        length=length,
        offset=0,
        key=upload_key(request.site.id, upload_id),
        filename=metadata.get("filename", "")[:255],
        metadata_=metadata,
        expires_at=utcnow() + timedelta(hours=expiry_hours(request)),
    )
    request.dbsession.add(upload)  # no bytes are stored before the first one arrives
    headers = {"Location": request.route_url("tus.upload", upload_id=upload_id)}
    if request.content_length:  # creation-with-upload: the row is committed first, no transaction waits on bytes
        commit_now(request)
        try:
            upload = receive(request, current(request, upload_id), 0, headers)
        except BaseException:
            forget(request, upload_id)
            raise
    return tus_response(request, 201, {**upload_headers(upload), **headers})


def forget(request, upload_id: str) -> None:
    """Delete an upload whose creation failed, bytes and all (the client never learnt its address)."""
    try:
        rollback_now(request)  # nothing half-made by the failed step is committed below
        upload = current(request, upload_id)
        if upload is not None:
            request.storage.delete(upload.key)
            request.dbsession.delete(upload)
            commit_now(request)
    except Exception:  # noqa: BLE001 — left to the expiry purge; the first error is the one to see
        log.exception("upload %s: could not delete it after its creation failed", upload_id)


def expiry_hours(request) -> int:
    return setting(request.registry.settings, "amphi.uploads.expire_hours")


@view_config(route_name="tus.upload", request_method="HEAD")
def head(request):
    require_tus(request)
    upload = find_upload(request)
    headers = upload_headers(upload)
    if upload.metadata_:
        headers["Upload-Metadata"] = format_metadata(upload.metadata_)
    return tus_response(request, 200, headers)


@view_config(route_name="tus.upload", request_method="PATCH")
def patch(request):
    require_tus(request)
    upload = find_upload(request)
    offset = int_header(request, "Upload-Offset")
    if offset is None:
        raise TusError(400, _("Upload-Offset is needed."))
    if offset != upload.offset:
        raise TusError(409, _("The offset does not match what the server has."), {"Upload-Offset": upload.offset})
    headers = {}
    upload = receive(request, upload, offset, headers, deferred=int_header(request, "Upload-Length"))
    return tus_response(request, 204, {**upload_headers(upload), **headers})


@view_config(route_name="tus.upload", request_method="DELETE")
def terminate(request):
    """Forget the upload and its bytes at once; a request still writing it deletes what it adds (it finds no row)."""
    require_tus(request)
    upload = find_upload(request)
    key, unfinished = upload.key, upload.video_id is None
    request.dbsession.delete(upload)
    request.dbsession.flush()
    if unfinished:
        request.storage.delete(key)
    return tus_response(request, 204)


def retry_attempts(request) -> int | None:
    """pyramid_retry's ``retry.activate_hook``: a request carrying upload bytes is tried once.

    To retry a request pyramid_retry first copies its whole body to a temporary
    file (``make_body_seekable``): for a 64 MiB chunk that is one more full copy
    of every byte uploaded. A tus client already retries by itself, at the
    offset the server recorded, and :func:`prepare_append` cuts any bytes a
    failed attempt left behind. Other requests keep the default.
    """
    return 1 if request.content_type == OCTETS else None


def includeme(config):
    # pyramid_retry reads its hook when the configuration is committed, after this.
    config.registry.settings.setdefault("retry.activate_hook", retry_attempts)
    config.add_route("tus.collection", "/api/uploads/")
    config.add_route("tus.upload", "/api/uploads/{upload_id:[0-9a-f]{32}}")
    config.scan("core.ingest.tus")
