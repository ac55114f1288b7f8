"""Opencast's ingest protocol under ``/ingest/``: how Opencast Studio and capture agents upload.

A client opens a media package (``createMediaPackage``), adds its Dublin Core
catalogue, its tracks (``presenter/source``, ``presentation/source``), catalogues
(SMIL cutting marks) and attachments, then ingests it; each call sends the package
XML back and answers it, grown by one element. Packages in progress live in
:class:`plugins.opencast_ingest.models.IngestPackage`, their files in storage. Ingesting makes a video
through :func:`core.ingest.ingest_files` and tells the plugins (``amphi_ingest_received``).

This plugin names no client: the endpoints answer 404 on a site where no enabled
plugin implements ``amphi_ingest_authenticate``, and 401 when none recognises the caller.
"""

from __future__ import annotations

import io
import uuid
from urllib.parse import unquote

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from core.models import utcnow
from core.plugin_api import (
    IngestTrack,
    QuotaExceeded,
    Trims,
    check_key,
    collect,
    commit_now,
    fire,
    ingest_files,
    lock_rows,
    site_prefix,
    upload_limits,
)
from plugins.opencast_ingest.api import IngestPrincipal
from plugins.opencast_ingest.mediapackage import (
    DocumentError,
    check_flavor,
    document,
    dublin_core,
    mediapackage_id,
    mediapackage_xml,
    smil_trims,
    video_metadata,
    workflow_xml,
)
from plugins.opencast_ingest.models import IngestPackage

XML = "text/xml"


class IngestError(Exception):
    """Answered as ``status`` with a plain-text message (Opencast answers errors in plain text)."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or []


@view_config(context=IngestError)
def ingest_error(exc, request):
    response = Response(status=exc.status, body=exc.message.encode(), content_type="text/plain", charset="utf-8")
    for name, value in exc.headers:
        response.headers.add(name, value)
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(context=DocumentError)
def document_error(exc, request):
    return ingest_error(IngestError(400, str(exc)), request)


# --- who calls ------------------------------------------------------------------------------------


def authenticate(request) -> IngestPrincipal:
    """The caller as a plugin of the site recognises it; 404 without such a plugin, 401 when unknown."""
    hook = request.hooks.amphi_ingest_authenticate
    if not hook.get_hookimpls():
        raise HTTPNotFound()
    principal = hook(request=request)
    if principal is None or principal.user.site_id != request.site.id or not principal.user.is_active:
        challenges = [c for c in collect(request, "amphi_ingest_challenge", expect=str) if c]
        raise IngestError(
            401, "Authentication is needed to ingest here.", [("WWW-Authenticate", c) for c in challenges]
        )
    return principal


def package_of(request, principal: IngestPrincipal, lock: bool = False) -> IngestPackage:
    """The package the ``mediaPackage`` field names, if this client opened it and it is still open."""
    return fresh_package(request, mediapackage_id(request.POST.get("mediaPackage"))[:64], principal, lock)


def fresh_package(
    request, package_id: str, principal: IngestPrincipal | None = None, lock: bool = False
) -> IngestPackage:
    """The package read afresh, if it is open on this site (and ``principal``'s, when given): 404 or 409 otherwise.

    ``lock`` holds it until the transaction ends, on SQLite as on PostgreSQL: two calls on one package
    (a client retrying, two tabs) then change it one after the other, no element is lost and one
    ingest only makes a video. Keep what follows short: on SQLite every other writer waits.
    """
    if lock:
        lock_rows(request.dbsession, IngestPackage, IngestPackage.id == package_id)
    package = request.dbsession.get(IngestPackage, package_id, populate_existing=True)
    if (
        package is None
        or package.site_id != request.site.id
        or principal is not None
        and (package.source != principal.source or package.user_id != principal.user.id)
    ):
        raise IngestError(404, f"There is no media package {package_id} in progress here.")
    if package.video_id is not None or package.ingested_at is not None:
        raise IngestError(409, f"The media package {package_id} was already ingested.")
    return package


def open_package(request) -> str:
    """Authenticate the caller and check its package; then end the transaction: reading the request's
    files and storing them hold no lock. Returns the package's id."""
    package_id = package_of(request, authenticate(request)).id
    commit_now(request)
    return package_id


def element_url(request, package: IngestPackage):
    return lambda element: request.route_url("ingest.element", package_id=package.id, element_id=element["id"])


def answer_package(request, package: IngestPackage) -> Response:
    body = document(mediapackage_xml(package, element_url(request, package)))
    return Response(body=body.encode(), content_type=XML, charset="utf-8")


# --- elements ---------------------------------------------------------------------------------------


def element_key(site_id: int, package_id: str, element_id: str) -> str:
    return check_key(f"{site_prefix(site_id)}/ingest/{package_id}/{element_id}")


def add_element(
    request,
    package_id: str,
    kind: str,
    flavor: str,
    stream,
    filename: str = "",
    mime: str = "",
    tags: list[str] | None = None,
) -> IngestPackage:
    """Store an element's bytes (no lock held meanwhile), then list it in the package; returns the
    package, held until the request ends."""
    element = {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "flavor": check_flavor(flavor),
        "filename": filename[:255],
        "mime": (mime or "application/octet-stream")[:100],
        "tags": tags or [],
    }
    element["key"] = element_key(request.site.id, package_id, element["id"])
    element["size"] = request.storage.save(element["key"], stream)
    maximum, _quota = upload_limits(request.registry.settings, request.site)
    try:
        if maximum and element["size"] > maximum:
            raise IngestError(413, f"The file is larger than this site accepts ({maximum // 1_000_000} MB).")
        package = fresh_package(request, package_id, lock=True)
    except IngestError:
        request.storage.delete(element["key"])
        raise
    package.elements = [*package.elements, element]
    return package


def uploaded_file(request, name: str = "BODY"):
    """The multipart file field ``name`` (pyCA names it ``BODY1``); a clear 400 when the client sent none."""
    field = request.POST.get(name)
    if field is None:
        field = next(
            (value for key, value in request.POST.items() if key.startswith(name) and hasattr(value, "file")), None
        )
    if field is None or not hasattr(field, "file"):
        if request.POST.get("url"):
            raise IngestError(400, "Fetching elements from a URL is not supported here: send the file as BODY.")
        raise IngestError(400, f"The file is missing: send it as the multipart field {name}.")
    return field


def tags_of(request) -> list[str]:
    return [t.strip()[:64] for t in request.POST.get("tags", "").split(",") if t.strip()][:20]


def read_text(field, limit: int = 1_000_000) -> str:
    data = field.file.read(limit + 1)
    if len(data) > limit:
        raise IngestError(413, "This catalogue is too large.")
    return data.decode("utf-8", "replace")


# --- views ------------------------------------------------------------------------------------------


@view_config(route_name="ingest.create", request_method=("GET", "POST"), require_csrf=False)
def create_mediapackage(request):
    principal = authenticate(request)
    package = IngestPackage(
        id=str(uuid.uuid4()),
        site_id=request.site.id,
        user_id=principal.user.id,
        source=principal.source,
        principal_data=dict(principal.data),
        elements=[],
        metadata_={},
        created_at=utcnow(),
    )
    request.dbsession.add(package)
    request.dbsession.flush()
    return answer_package(request, package)


@view_config(route_name="ingest.dc_catalog", request_method="POST", require_csrf=False)
def add_dc_catalog(request):
    package_id = open_package(request)
    flavor = check_flavor(request.POST.get("flavor") or "dublincore/episode")
    text = request.POST.get("dublinCore")
    if hasattr(text, "file"):
        text = read_text(text)
    terms = dublin_core(text)
    package = add_element(request, package_id, "catalog", flavor, io.BytesIO(dublin_text(text)), "dublincore.xml", XML)
    add_catalog_terms(package, flavor, terms)
    return answer_package(request, package)


def dublin_text(text: str) -> bytes:
    text = text.strip()
    return (text if text.startswith("<") else unquote(text)).encode("utf-8")


def add_catalog_terms(package: IngestPackage, flavor: str, terms: dict) -> None:
    if flavor.startswith("dublincore/episode"):
        package.metadata_ = {**package.metadata_, **video_metadata(terms)}
    elif flavor.startswith("dublincore/series"):
        package.metadata_ = {**package.metadata_, "series": {k: v for k, v in terms.items() if isinstance(v, str)}}


@view_config(route_name="ingest.track", request_method="POST", require_csrf=False)
def add_track(request):
    return add_uploaded_element(request, "track")


@view_config(route_name="ingest.catalog", request_method="POST", require_csrf=False)
def add_catalog(request):
    package_id = open_package(request)
    flavor = check_flavor(request.POST.get("flavor"))
    field = uploaded_file(request)
    text = read_text(field)
    trims = smil_trims(text) if flavor.startswith("smil/") else None
    terms = dublin_core(text) if flavor.startswith("dublincore/") else None
    package = add_element(
        request,
        package_id,
        "catalog",
        flavor,
        io.BytesIO(text.encode("utf-8")),
        field.filename or "",
        field.type or XML,
        tags_of(request),
    )
    if flavor.startswith("smil/"):
        package.metadata_ = {**package.metadata_, "trims": [trims.start, trims.end] if trims else None}
    elif terms is not None:
        add_catalog_terms(package, flavor, terms)
    return answer_package(request, package)


@view_config(route_name="ingest.attachment", request_method="POST", require_csrf=False)
def add_attachment(request):
    return add_uploaded_element(request, "attachment")


def add_uploaded_element(request, kind: str):
    """Add the uploaded file of the request to its package as a ``kind`` (track or attachment), as sent."""
    package_id = open_package(request)
    field = uploaded_file(request)
    package = add_element(
        request,
        package_id,
        kind,
        request.POST.get("flavor"),
        field.file,
        field.filename or "",
        field.type or "",
        tags_of(request),
    )
    return answer_package(request, package)


@view_config(route_name="ingest.ingest", request_method="POST", require_csrf=False)
@view_config(route_name="ingest.ingest_workflow", request_method="POST", require_csrf=False)
def ingest(request):
    principal = authenticate(request)
    package = package_of(request, principal, lock=True)
    tracks = [e for e in package.elements if e["kind"] == "track"]
    if not tracks:
        raise IngestError(400, "The media package has no track: add one with addTrack before ingesting.")
    cut = package.metadata_.get("trims")
    owner = principal.owner or principal.user
    if owner.site_id != request.site.id:
        raise IngestError(403, "The owner of this recording does not belong to this site.")
    try:
        video = ingest_files(
            request,
            owner,
            [IngestTrack(e["key"], e["flavor"], e["filename"], e["mime"]) for e in tracks],
            package.metadata_,
            trims=Trims(*cut) if cut else None,
            layout=principal.data.get("layout"),
        )
    except QuotaExceeded as exc:  # the package stays open: its files are kept until it expires
        raise IngestError(413, request.localizer.translate(exc.message)) from None
    package.video_id, package.ingested_at = video.id, utcnow()
    request.dbsession.flush()
    # The files are already moved to the video: a plugin's error must not undo the ingest.
    fire(request, "amphi_ingest_received", principal=principal, mediapackage=package, video=video)
    definition = request.matchdict.get("workflow") or request.POST.get("workflowDefinitionId", "")
    body = workflow_xml(package, mediapackage_xml(package, element_url(request, package)), definition[:100], video.id)
    return Response(body=body.encode(), content_type=XML, charset="utf-8")


@view_config(route_name="ingest.element", request_method="GET")
def element_file(request):
    """An element's bytes, for the client that added it, while the package is open."""
    principal = authenticate(request)
    package = request.dbsession.get(IngestPackage, request.matchdict["package_id"])
    if package is None or package.site_id != request.site.id or package.user_id != principal.user.id:
        raise IngestError(404, "There is no such element.")
    element = next((e for e in package.elements if e["id"] == request.matchdict["element_id"]), None)
    if element is None or not request.storage.exists(element["key"]):
        raise IngestError(404, "There is no such element.")
    # Never rendered by the browser: the type and the name come from the client.
    response = Response(content_type="application/octet-stream", content_disposition="attachment")
    response.body_file = request.storage.open(element["key"])
    return response
