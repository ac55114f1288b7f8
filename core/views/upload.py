"""The upload page, and the details (title, description) a user types while a file uploads."""

from __future__ import annotations

from huey import crontab
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config
from sqlalchemy import delete, select

from core.inputs import json_body
from core.models import Site, Upload, Video, utcnow
from core.pipeline import fire_safely
from core.storage import get_storage
from core.tasks import huey, worker_request
from core.tus import find_upload, site_upload_limits


@view_config(route_name="upload", renderer="upload.html", permission="upload")
def upload_page(request):
    return {
        "endpoint": request.route_url("tus.collection"),
        "max_size": site_upload_limits(request)[0],
    }


@view_config(route_name="api.upload.details", renderer="json", request_method="POST", permission="upload")
def upload_details(request):
    """Keep the title and description with the upload; once it became a video, change the video."""
    upload = find_upload(request)
    body = json_body(request)
    try:
        details = {k: str(body.get(k, "")).strip()[:5000] for k in ("title", "description")}
    except AttributeError:
        raise HTTPBadRequest("a JSON object with title and description is expected") from None
    details["title"] = details["title"][:250]
    if upload.video_id is None:
        upload.metadata_ = {**(upload.metadata_ or {}), **{k: v for k, v in details.items() if v}}
        return {"upload": upload.id, "video": None}
    video = request.dbsession.get(Video, upload.video_id)
    if details["title"]:
        video.title = details["title"]
    if details["description"]:
        video.description = details["description"]
    if details["title"] or details["description"]:
        request.dbsession.flush()
        fire_safely(request, "amphi_video_changed", video=video)
    return {"upload": upload.id, "video": video.id}


@huey.periodic_task(crontab(minute="*/30"))
def purge_expired_uploads_task() -> None:
    purge_expired_uploads()


def purge_expired_uploads() -> int:
    """Forget unfinished uploads past their expiry, bytes and all; return how many.

    The rows go first, in one transaction; their bytes once it committed (a request still writing
    one of them finds its row gone and deletes what it adds, see :mod:`core.upload_claims`).
    """
    gone = []
    with worker_request() as request:
        now = utcnow()
        expired = request.dbsession.execute(select(Upload.id, Upload.site_id, Upload.key).where(*unfinished(now)))
        for upload in expired.all():  # each one again: it may have become a video since
            if request.dbsession.execute(delete(Upload).where(Upload.id == upload.id, *unfinished(now))).rowcount:
                storage = get_storage(request.registry, request.dbsession.get(Site, upload.site_id))
                gone.append((storage, upload.key))
    for storage, key in gone:
        storage.delete(key)
    return len(gone)


def unfinished(now):
    """An upload that never became a video, past its expiry at ``now``."""
    return Upload.video_id.is_(None), Upload.expires_at < now
