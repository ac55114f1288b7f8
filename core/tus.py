"""Resumable uploads: the tus 1.0.0 protocol under ``/api/uploads/``.

Extensions: creation, creation-with-upload, termination, expiration and
checksum (sha1). Bytes stream from the request to storage in 1 MiB chunks;
a chunk with a checksum is first spilled to a temporary file, verified, then
appended, so a corrupt chunk is never kept. When the last byte arrives the
upload becomes a video (:func:`core.ingest.ingest_stored_file`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import tempfile
import uuid
from datetime import timedelta
from email.utils import format_datetime

from pyramid.response import Response
from pyramid.view import view_config

from core.errors import ValidationError
from core.i18n import _
from core.ingest import QuotaExceeded, check_quota, ingest_stored_file, upload_video_fields
from core.metadata import check_upload_metadata
from core.models import Upload, utcnow
from core.sites import upload_limits
from core.storage import upload_key

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHUNK = 1024 * 1024
OCTETS = "application/offset+octet-stream"


class TusError(Exception):
    """Answered as ``status`` with a plain-text ``message`` and the tus headers."""

    def __init__(self, status: int, message, headers: dict | None = None):
        super().__init__(str(message))
        self.status, self.message, self.headers = status, message, headers or {}


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
        raise TusError(413, _("The file is larger than this site accepts (${max} MB).",
                              mapping={"max": maximum // 1_000_000}))
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
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}".rstrip()
                    for key, value in metadata.items())


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


def receive(request, upload: Upload) -> None:
    """Append the request body at the upload's offset (verified first when a checksum is sent)."""
    if request.content_type != OCTETS:
        raise TusError(415, _("Chunks are sent as application/offset+octet-stream."))
    stream, length = body_stream(request)
    if upload.length is not None and upload.offset + length > upload.length:
        raise TusError(413, _("The chunk goes past the announced length."))
    if upload.length is None:  # a deferred length must respect the same limits as an announced one
        check_size(request, upload.offset + length, pending_id=upload.id)
    prepare_append(request, upload)
    checksum = request.headers.get("Upload-Checksum")
    if checksum:
        written = append_verified(request, upload, stream, length, checksum)
    else:
        written = request.storage.append(upload.key, stream, limit=length)
    upload.offset += written


def prepare_append(request, upload: Upload) -> None:
    """Make the stored bytes end exactly at the recorded offset before appending.

    A chunk written by a request whose transaction then failed (or was retried)
    is cut off again, so the client's resend at that offset cannot duplicate it.
    """
    storage = request.storage
    if storage.exists(upload.key) and storage.size(upload.key) != upload.offset:
        storage.truncate(upload.key, upload.offset)


def append_verified(request, upload: Upload, stream, length: int, checksum: str) -> int:
    algorithm, _sep, expected = checksum.partition(" ")
    if algorithm != "sha1":
        raise TusError(400, _("Only sha1 checksums are supported."))
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
        if base64.b64encode(digest.digest()).decode() != expected.strip():
            raise TusError(460, _("The chunk does not match its checksum; send it again."))
        spill.seek(0)
        return request.storage.append(upload.key, spill)


def complete_if_finished(request, upload: Upload, response_headers: dict) -> None:
    if not upload.finished or upload.video_id is not None:
        return
    fields = upload_video_fields(request, upload.metadata_)
    video = ingest_stored_file(request, upload.user, upload.key, upload.filename, **fields)
    upload.video_id = video.id
    response_headers["Amphi-Video-Id"] = video.id
    response_headers["Amphi-Video-Url"] = request.route_url("video", video_id=video.id)


# --- views ----------------------------------------------------------------------


def find_upload(request, lock: bool = False) -> Upload:
    """The request user's upload on this site; anything else does not exist.

    ``lock`` takes the row for this transaction (PostgreSQL), so two PATCHes at one offset queue up.
    """
    upload = request.dbsession.get(Upload, request.matchdict["upload_id"], with_for_update=lock or None)
    if upload is None or upload.site_id != request.site.id or request.user is None or upload.user_id != request.user.id:
        raise TusError(404, _("There is no such upload."))
    if upload.expires_at < utcnow() and upload.video_id is None:
        raise TusError(410, _("This upload expired; start it again."))
    return upload


def require_uploader(request) -> None:
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
    upload = Upload(id=upload_id, site_id=request.site.id, user_id=request.user.id, length=length, offset=0,
                    key=upload_key(request.site.id, upload_id), filename=metadata.get("filename", "")[:255],
                    metadata_=metadata, expires_at=utcnow() + timedelta(hours=expiry_hours(request)))
    request.dbsession.add(upload)
    request.storage.append(upload.key, _Empty())
    headers = {"Location": request.route_url("tus.upload", upload_id=upload_id)}
    try:
        if request.content_length:
            receive(request, upload)
        request.dbsession.flush()
        complete_if_finished(request, upload, headers)
    except BaseException:  # the row is rolled back: its bytes must not outlive it
        request.storage.delete(upload.key)
        raise
    return tus_response(request, 201, {**upload_headers(upload), **headers})


def expiry_hours(request) -> int:
    return int(request.registry.settings.get("amphi.uploads.expire_hours", 24))


class _Empty:
    def read(self, *_args):
        return b""


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
    upload = find_upload(request, lock=True)
    offset = int_header(request, "Upload-Offset")
    if offset is None:
        raise TusError(400, _("Upload-Offset is needed."))
    if offset != upload.offset:
        raise TusError(409, _("The offset does not match what the server has."), {"Upload-Offset": upload.offset})
    deferred = int_header(request, "Upload-Length")
    if upload.length is None and deferred is not None:
        check_size(request, deferred)
        upload.length = deferred
    receive(request, upload)
    headers = {}
    complete_if_finished(request, upload, headers)
    return tus_response(request, 204, {**upload_headers(upload), **headers})


@view_config(route_name="tus.upload", request_method="DELETE")
def terminate(request):
    require_tus(request)
    upload = find_upload(request)
    if upload.video_id is None:
        request.storage.delete(upload.key)
    request.dbsession.delete(upload)
    request.dbsession.flush()
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
    config.scan("core.tus")
