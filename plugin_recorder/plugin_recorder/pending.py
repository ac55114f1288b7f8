"""Pending recordings: the manager (or the scheduled owner, or a site admin) claims or deletes them."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config

from core.models import ORIGINAL_KINDS
from core.plugin_api import (
    ACCESS_LABELS,
    STATUS_LABELS,
    QuotaExceeded,
    _,
    add_to_channel,
    addable_channels,
    check_quota,
    delete_video,
    find_user,
    fire,
)
from plugin_recorder.models import RECORDER_ACCESS, PendingRecording
from plugin_recorder.recordings import claimable, pending_for


@view_config(
    route_name="recorder.pending", renderer="plugin_recorder:templates/pending.html", permission="authenticated"
)
def pending_page(request):
    return {"pendings": pending_for(request), "done": request.params.get("done", ""), "status_labels": STATUS_LABELS}


def claimable_pending(request) -> PendingRecording:
    pending = request.dbsession.get(PendingRecording, int(request.matchdict["pending_id"]))
    if pending is None or not claimable(request, pending):
        raise HTTPNotFound()
    return pending


def offered_channels(request, pending) -> list:
    """The recorder's channel (a site admin chose it) and those the claimant may add videos to."""
    offered = [pending.recorder.channel] if pending.recorder.channel is not None else []
    return offered + [channel for channel in addable_channels(request) if channel not in offered]


def claim_values(request, pending, form, errors=None) -> dict:
    return {
        "pending": pending,
        "form": form,
        "errors": errors or {},
        "access_levels": RECORDER_ACCESS,
        "access_labels": ACCESS_LABELS,
        "channels": offered_channels(request, pending),
    }


def fits_quota(request, video, owner) -> bool:
    """Whether ``owner`` may take the recording: it then counts against their quota, not its first owner's."""
    if owner.id == video.owner_id:
        return True
    try:
        check_quota(request, owner, sum(f.size or 0 for f in video.files if f.kind in ORIGINAL_KINDS))
    except QuotaExceeded:
        return False
    return True


@view_config(
    route_name="recorder.pending.claim", renderer="plugin_recorder:templates/claim.html", permission="authenticated"
)
def claim_page(request):
    pending = claimable_pending(request)
    video = pending.video
    if request.method != "POST":
        access = pending.recorder.access if pending.recorder.access != "draft" else "public"
        return claim_values(
            request,
            pending,
            {
                "title": video.title,
                "owner": video.owner.username,
                "access": access,
                "channel": str(pending.recorder.channel_id or ""),
            },
        )
    if request.POST.get("action") == "delete":
        delete_video(request, video)
        return HTTPFound(request.route_url("recorder.pending", _query={"done": "deleted"}))
    form = {key: request.POST.get(key, "").strip() for key in ("title", "owner", "access", "channel")}
    errors = {}
    if not form["title"]:
        errors["title"] = _("Give a title.")
    owner = find_user(request.dbsession, request.site.id, form["owner"]) if form["owner"] else None
    if owner is None:
        errors["owner"] = _("No account of this site has this username.")
    elif not fits_quota(request, video, owner):
        errors["owner"] = _("This recording would take this account past its storage quota.")
    if form["access"] not in RECORDER_ACCESS:
        errors["access"] = _("Choose an access level.")
    channel = next((c for c in offered_channels(request, pending) if str(c.id) == form["channel"]), None)
    if form["channel"] and channel is None:
        errors["channel"] = _("Choose a channel from the list.")
    if errors:
        request.response.status = 400
        return claim_values(request, pending, form, {k: request.localizer.translate(v) for k, v in errors.items()})
    video.title, video.owner_id, video.access = form["title"][:250], owner.id, form["access"]
    if channel is not None:
        add_to_channel(video, channel)
    request.dbsession.delete(pending)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return HTTPFound(request.route_url("recorder.pending", _query={"done": "published"}))
