"""The upload page, and the details (title, description, access...) a user types while a file uploads."""

from __future__ import annotations

from huey import crontab
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config
from sqlalchemy import delete

from core.catalogue.channels import add_to_channel, addable_channels
from core.catalogue.metadata import (
    ACCESS_LABELS,
    LICENSE_LABELS,
    UPLOAD_ACCESS,
    UPLOAD_KEYS,
    check_upload_metadata,
    language_choices,
    set_access,
)
from core.ingest.tus import find_upload, site_upload_limits
from core.models import LICENSES, Site, Upload, Video, utcnow
from core.pipeline.storage import get_storage
from core.platform.plugins import fire
from core.platform.tasks import huey, worker_request
from core.web.inputs import json_body


@view_config(route_name="upload", renderer="upload.html", permission="upload")
def upload_page(request):
    locale = request.localizer.locale_name
    return {
        "endpoint": request.route_url("tus.collection"),
        "max_size": site_upload_limits(request)[0],
        "access_levels": [(key, ACCESS_LABELS[key]) for key in UPLOAD_ACCESS],
        "default_access": request.site.upload_access or "draft",
        "language_options": language_choices(locale),
        "default_language": locale,
        "licenses": [(key, LICENSE_LABELS[key]) for key in LICENSES],
        "channels": sorted(addable_channels(request), key=lambda c: (c.position, c.title.casefold(), c.id)),
    }


@view_config(route_name="api.upload.details", renderer="json", request_method="POST", permission="upload")
def upload_details(request):
    """Keep the details typed while the file uploads with the upload; once it became a video, change the video.

    Takes the keys of :data:`core.catalogue.metadata.UPLOAD_KEYS`, checked as at the upload's creation;
    empty values change nothing.
    """
    upload = find_upload(request)
    body = json_body(request)
    try:
        given = {k: str(v).strip() for k, v in body.items() if k in UPLOAD_KEYS and str(v).strip()}
    except AttributeError:
        raise HTTPBadRequest(request.translate("A JSON object with the upload's details is expected.")) from None
    fields = check_upload_metadata(request, given)
    if upload.video_id is None:
        upload.metadata_ = {**(upload.metadata_ or {}), **given}
        return {"upload": upload.id, "video": None}
    video = request.dbsession.get(Video, upload.video_id)
    if fields:
        apply_upload_fields(video, fields)
        request.dbsession.flush()
        fire(request, "amphi_video_changed", video=video)
    return {"upload": upload.id, "video": video.id}


def apply_upload_fields(video: Video, fields: dict) -> None:
    """Change ``video`` as :func:`core.catalogue.metadata.check_upload_metadata`'s answer says."""
    for channel in fields.pop("channels", []):
        add_to_channel(video, channel)
    if "access" in fields:
        set_access(video, fields.pop("access"))
    for name, value in fields.items():
        setattr(video, name, value)


@huey.periodic_task(crontab(minute="*/30"))
def purge_expired_uploads_task() -> None:
    purge_expired_uploads()


def purge_expired_uploads() -> int:
    """Forget unfinished uploads past their expiry, bytes and all; return how many.

    The rows go first, in one transaction; their bytes once it committed (a request still writing
    one of them finds its row gone and deletes what it adds, see :mod:`core.ingest.upload_claims`).
    """
    with worker_request() as request:
        expired = request.dbsession.execute(  # one statement: an upload that became a video meanwhile stays
            delete(Upload)
            .where(Upload.video_id.is_(None), Upload.expires_at < utcnow())
            .returning(Upload.site_id, Upload.key)
            .execution_options(synchronize_session=False)
        ).all()
        gone = [(get_storage(request.registry, request.dbsession.get(Site, site_id)), key) for site_id, key in expired]
    for storage, key in gone:
        storage.delete(key)
    return len(gone)
