"""The edit page of a video (details, access, share links) and the password form."""

from __future__ import annotations

import secrets

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from core.access.ratelimit import RateLimit, client_network
from core.access.security import check_password, find_share_link, open_share_link, unlock_video, video_permits
from core.access.tokens import token_hash
from core.catalogue.channel_forms import channel_choices
from core.catalogue.channels import ancestors
from core.catalogue.lookup import get_site_video, require_video
from core.catalogue.media_urls import media_url
from core.catalogue.metadata import (
    ACCESS_LABELS,
    LICENSE_LABELS,
    MetadataForm,
    apply_metadata,
    language_choices,
    site_disciplines,
    site_groups,
    site_video_types,
    type_title,
)
from core.catalogue.search import language_name
from core.models import LICENSES, ShareLink
from core.pipeline.audio_tracks import KIND as AUDIO_TRACK_KIND
from core.pipeline.audio_tracks import audio_files, is_added
from core.platform.errors import ValidationError
from core.platform.plugins import fire

#: Wrong passwords of one video: per account when signed in, else per address (an IPv6 /64). Never per
#: video alone: guesses from elsewhere, however many, must not lock out anyone who knows the password.
PASSWORD_FAILURES = RateLimit("video.password", 10, 15 * 60)


def edit_values(request, video, form: MetadataForm, errors: dict | None = None) -> dict:
    db, site_id = request.dbsession, video.site_id
    return audio_values(request, video) | {
        "video": video,
        "form": form,
        "errors": {k: request.localizer.translate(v) for k, v in (errors or {}).items()},
        "saved": "saved" in request.params,
        "types": site_video_types(db, site_id),
        "disciplines": site_disciplines(db, site_id),
        "groups": site_groups(db, site_id),
        "licenses": [(key, LICENSE_LABELS[key]) for key in LICENSES],
        "access_levels": list(ACCESS_LABELS.items()),
        "language_options": language_choices(request.localizer.locale_name),
        "thumbnails": [f for f in video.files if f.kind == "thumbnail"],
        "share_links": video.share_links,
        "channel_choices": channel_choices(request, video),
        "theme_label": lambda theme: " › ".join(t.title for t in [*ancestors(theme), theme]),
        "new_link": None,
        "new_link_url": None,
        "type_title": lambda vtype: type_title(request, vtype),
        "media_url": lambda key: media_url(request, video, key),
    }


def audio_values(request, video, errors: dict | None = None, form: dict | None = None) -> dict:
    """What the edit page's audio section shows: the renditions, the tracks being added or refused."""
    jobs = sorted((j for j in video.jobs if j.kind == AUDIO_TRACK_KIND), key=lambda j: j.id or 0)
    return {
        "audio_tracks": audio_files(video),
        "audio_added": is_added,
        "audio_pending": [j for j in jobs if j.state in ("queued", "running")],
        "audio_failed": [j for j in jobs[last_done(jobs) + 1 :] if j.state == "failed"],
        "audio_errors": {k: request.localizer.translate(v) for k, v in (errors or {}).items()},
        "audio_form": form or {"language": "", "name": "", "offset": ""},
        "audio_language_name": lambda code: language_name(code, request.localizer.locale_name) if code else "",
    }


def last_done(jobs) -> int:
    """The place of the last track added in ``jobs`` (-1: none): the failures before it are old news."""
    return max((i for i, j in enumerate(jobs) if j.state == "done"), default=-1)


@view_config(route_name="video.edit", renderer="video_edit.html", request_method="GET")
def edit_page(request):
    video = require_video(request, "edit")
    return edit_values(request, video, MetadataForm.from_video(video))


@view_config(route_name="video.edit", renderer="video_edit.html", request_method="POST")
def save_edit(request):
    video = require_video(request, "edit")
    form = MetadataForm.from_post(request.POST)
    try:
        apply_metadata(request, video, form)
    except ValidationError as exc:
        request.response.status = 400
        form.password = ""  # never sent back into the page
        return edit_values(request, video, form, exc.errors)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return HTTPFound(request.route_url("video.edit", video_id=video.id, _query={"saved": 1}))


# --- share links ---------------------------------------------------------------


@view_config(route_name="video.links", request_method="POST", renderer="video_edit.html")
def create_share_link(request):
    """Make a link and show it in this response only: the database keeps only a hash of its token."""
    video = require_video(request, "edit")
    token = secrets.token_urlsafe(24)
    link = ShareLink(
        video_id=video.id,
        token_hash=token_hash(token),
        created_by_id=request.user.id,
        label=request.POST.get("label", "").strip()[:150],
    )
    video.share_links.append(link)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    request.response.headers["Cache-Control"] = "no-store"
    values = edit_values(request, video, MetadataForm.from_video(video))
    values.update(new_link=str(link.id), new_link_url=request.route_url("video.shared", video_id=video.id, token=token))
    return values


@view_config(route_name="video.link.delete", request_method="POST")
def revoke_share_link(request):
    video = require_video(request, "edit")
    link = request.dbsession.get(ShareLink, int(request.matchdict["link_id"]))
    if link is None or link.video_id != video.id:
        raise HTTPNotFound()
    video.share_links.remove(link)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return HTTPFound(request.route_url("video.edit", video_id=video.id, _anchor="share-links"))


@view_config(route_name="video.shared", request_method="GET")
def open_shared(request):
    """A share link: remember it in the session, then show the video."""
    video = get_site_video(request, request.matchdict["video_id"])
    link = find_share_link(request, video, request.matchdict["token"])
    if link is None:
        raise HTTPNotFound()
    open_share_link(request, link)
    return HTTPFound(request.route_url("video", video_id=video.id))


# --- the password of a protected video -------------------------------------------------


def locked_by_password(request, video) -> bool:
    """Whether the password form should be shown: the video is there, the password would open it."""
    return (
        video.access == "password"
        and video.status == "ready"
        and video.is_published()
        and not video_permits(request, video, "view")
    )


def locked_page(request, video, error: str = "", embed: bool = False):
    response = render_to_response(
        "video_locked.html", {"video": video, "error": error, "embed": embed}, request=request
    )
    response.status = 403
    return response


def password_guesser(request, video) -> str:
    """Whose wrong passwords of ``video`` count together: the account's, or the address's."""
    if request.user is not None:
        return f"{video.id}:user:{request.user.id}"
    return f"{video.id}:addr:{client_network(request)}"


@view_config(route_name="video.unlock", request_method="POST")
def unlock(request):
    video = get_site_video(request, request.matchdict["video_id"])
    if not locked_by_password(request, video):
        if video_permits(request, video, "view"):
            return HTTPFound(request.route_url("video", video_id=video.id))
        raise HTTPNotFound()
    # Counted with the check, before it (concurrent guesses wait for each other).
    hits = PASSWORD_FAILURES.take(request.dbsession, request.site.id, password_guesser(request, video))
    if check_password(video.password_hash, request.POST.get("password", "")):
        RateLimit.forget(request.dbsession, hits)
        unlock_video(request, video)
        return HTTPFound(request.route_url("video", video_id=video.id))
    return locked_page(request, video, request.translate("This password is not the right one."))
