"""Deep Linking: from the platform's activity chooser, a teacher picks their videos (a search box narrows
them; videos still being prepared are offered too, their state said, as activities only), uploads a new one
(:mod:`plugin_moodle.chooser_upload`), picks their shared playlists and their coming live events (where the site enables those plugins), and
Amphi returns ``ltiResourceLink`` items (title, thumbnail for public videos, a line item when the teacher
asks for a grade; the launch opens the video, playlist or event), or — where the platform accepts ``html``
(Moodle's editor) and the teacher asks for it — ``html`` items framing the videos' embed pages, signed with
the site's tool key as the spec requires, to the platform's return address taken from the signed launch.

The chooser runs in the platform's frame, without cookies: its pages carry a signed token (``dl``) naming
the site, the teacher, the platform and the stored launch, valid an hour.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from html import escape

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.models import User, Video, video_owners
from core.plugin_api import STATUS_LABELS, _, derived_key
from plugin_moodle.adapter import PyramidMessageLaunch, SiteToolConf
from plugin_moodle.launch import LtiBadRequest, LtiRefused, refuse
from plugin_moodle.models import LtiPlatform

log = logging.getLogger(__name__)

CHOOSER_SECONDS = 3600
MAX_SHOWN = 50


class ResourceLink(DeepLinkResource):
    """pylti1p3's resource link, with the optional ``thumbnail`` of the spec."""

    thumbnail: str = ""

    def to_dict(self):
        item = super().to_dict()
        if self.thumbnail:
            item["thumbnail"] = {"url": self.thumbnail}
        return item


class HtmlItem(DeepLinkResource):
    """An ``html`` content item (the spec's HTML fragment): the platform puts it in its text (Moodle's editor)."""

    def __init__(self, title: str, html: str):
        super().__init__()
        self.set_type("html").set_title(title)
        self.html = html

    def to_dict(self):
        return {"type": "html", "title": self._title, "html": self.html}


#: The chooser's fields that say what was chosen (and how).
CHOICES = ("video", "playlist", "live", "as", "graded")
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def uses(request, plugin: str) -> bool:
    """Whether the request's site enables ``plugin`` and it is loaded (playlists and live are optional)."""
    return request.site.has_plugin(plugin) and plugin in request.registry.plugins.names()


def teacher_playlists(request, user: User) -> list:
    if not uses(request, "playlists"):
        return []
    from plugins.playlists import api

    return api.shared_playlists(request, user)


def teacher_events(request, user: User) -> list:
    if not uses(request, "live"):
        return []
    from plugins.live import api

    return api.owned_events(request, user)


def accepted_types(linking: dict) -> set[str]:
    return {str(t) for t in linking.get("accept_types") or ["ltiResourceLink"]}


def _sign(request, payload: str) -> str:
    return hmac.new(
        derived_key(request.registry.settings, "moodle-deep-link"), payload.encode(), hashlib.sha256
    ).hexdigest()


def chooser_token(request, user: User, platform: LtiPlatform, launch_id: str) -> str:
    data = {
        "s": request.site.id,
        "u": user.id,
        "p": platform.id,
        "l": launch_id,
        "e": int(time.time()) + CHOOSER_SECONDS,
    }
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    return f"{payload}.{_sign(request, payload)}"


def read_chooser_token(request, token: str | None = None) -> dict:
    """The chooser token's values (``token``, else the request's ``dl``), refused when forged, expired or of
    another site."""
    token = request.params.get("dl", "") if token is None else token
    payload, _dot, signature = token.partition(".")
    if not payload or not hmac.compare_digest(_sign(request, payload), signature):
        refuse(
            request,
            _("This choice of videos is not valid: open it again from the course."),
            "bad dl token",
            LtiBadRequest,
        )
    data = json.loads(base64.urlsafe_b64decode(payload))
    if data["e"] < time.time() or data["s"] != request.site.id:
        refuse(request, _("This choice of videos expired: open it again from the course."), "expired dl token")
    return data


#: The videos a teacher may add: ready ones, and those still being prepared (their launch says so meanwhile).
CHOOSABLE = ("ready", "uploaded", "processing")


def chooser_videos(request, user: User, words: str) -> list[Video]:
    """The teacher's videos (owned or co-owned) on this site, ready or being prepared, matching ``words``,
    newest first."""
    co_owned = select(video_owners.c.video_id).where(video_owners.c.user_id == user.id)
    query = select(Video).where(
        Video.site_id == request.site.id,
        Video.status.in_(CHOOSABLE),
        or_(Video.owner_id == user.id, Video.id.in_(co_owned)),
    )
    for word in words.split()[:5]:
        query = query.where(Video.title.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    return list(request.dbsession.scalars(query.order_by(Video.created_at.desc(), Video.id.desc()).limit(MAX_SHOWN)))


def render_chooser(request, user: User, token: str, data: dict, status: int = 200, words: str | None = None, **upload):
    """The chooser page for the deep-linking launch ``data``; ``upload`` is the upload form's state
    (``added``: the new video's id, listed first and preselected; ``error``, ``title``, ``access``)."""
    from plugin_moodle.chooser_upload import upload_form

    linking = data.get(DL_SETTINGS) or {}
    words = (request.params.get("q", "") if words is None else words).strip()[:100]
    accepted = accepted_types(linking)
    links = "ltiResourceLink" in accepted
    videos = chooser_videos(request, user, words)
    values = {
        "videos": videos,
        "added": next((v for v in videos if v.id == upload.get("added")), None),
        "status_labels": STATUS_LABELS,
        "upload": upload_form(request, token, data, upload),
        "playlists": teacher_playlists(request, user) if links else [],
        "events": teacher_events(request, user) if links else [],
        "html": "html" in accepted,
        "links": links,
        "words": words,
        "token": token,
        "multiple": str(linking.get("accept_multiple", True)).lower() != "false",
        "title": linking.get("title") or "",
    }
    response = render_to_response("plugin_moodle:templates/deep_link.html", values, request=request)
    response.status = status
    return response


def start_deep_linking(request, platform: LtiPlatform, launch: PyramidMessageLaunch, user: User):
    """The chooser, right after a deep-linking launch (Instructors only)."""
    if not user.can_upload:
        refuse(request, _("Only the course's teachers choose videos."), f"deep linking by learner {user.id}")
    token = chooser_token(request, user, platform, launch.get_launch_id())
    return render_chooser(request, user, token, launch.get_launch_data())


def restored_launch(request, data: dict) -> PyramidMessageLaunch:
    """The deep-linking launch as it was validated; refused if its platform is no longer registered."""
    platform = request.dbsession.get(LtiPlatform, data["p"])
    if platform is None or platform.site_id != request.site.id:
        refuse(
            request,
            _("This learning platform is not registered on this site."),
            f"deep linking return to unknown platform {data['p']}",
        )
    launch = PyramidMessageLaunch(request, SiteToolConf(request))
    body = launch.get_session_service().get_launch_data(data["l"])
    if not body:
        refuse(request, _("This choice of videos expired: open it again from the course."), "deep linking launch gone")
    try:
        launch.set_launch_id(data["l"]).set_auto_validation(enable=False).set_jwt({"body": body}).set_restored()
        launch.validate_registration()
    except LtiException as exc:
        refuse(request, _("This learning platform is not registered on this site."), str(exc))
    if body.get("iss") != platform.issuer:
        refuse(
            request,
            _("This learning platform is not registered on this site."),
            "deep linking launch of another platform",
        )
    return launch


@view_config(route_name="moodle.deep_link", request_method="GET")
def search(request):
    data = read_chooser_token(request)
    user = request.dbsession.get(User, data["u"])
    if user is None or not user.is_active:
        raise LtiRefused(request.localizer.translate(_("Your account on this site is disabled.")))
    launch = restored_launch(request, data)
    added = request.GET.get("added", "")
    data = launch.get_launch_data()
    return render_chooser(request, user, request.params["dl"], data, added=int(added) if added.isdigit() else None)


@view_config(route_name="moodle.deep_link", request_method="POST", require_csrf=False)
def choose(request):
    """The chosen videos, signed as an LtiDeepLinkingResponse, posted back to the platform by the browser."""
    data = read_chooser_token(request)
    user = request.dbsession.get(User, data["u"])
    launch = restored_launch(request, data)
    linking = launch.get_launch_data()[DL_SETTINGS]
    accepted = accepted_types(linking)
    items = chosen_items(request, user, accepted) if user is not None else []
    if not items:
        refuse(
            request,
            _("Choose at least one of your videos."),
            f"deep linking choice {[(k, v) for k, v in request.POST.items() if k in CHOICES]}",
            LtiBadRequest,
        )
    token = launch.get_deep_link().get_response_jwt(items)
    log.info("LTI deep linking: user %s returns %d items to %s", user.id, len(items), launch.get_iss())
    return render_to_response(
        "plugin_moodle:templates/deep_link_return.html",
        {"return_url": linking["deep_link_return_url"], "jwt": token, "count": len(items)},
        request=request,
    )


def chosen_ids(request, name: str) -> set[int]:
    return {int(v) for v in request.POST.getall(name) if v.isdigit()}


def chosen_items(request, user: User, accepted: set[str]) -> list[DeepLinkResource]:
    """The items for what the teacher ticked; empty when any of it is not theirs (or none was ticked)."""
    wanted = {name: chosen_ids(request, name) for name in ("video", "playlist", "live")}
    videos = [v for v in chooser_videos(request, user, "") if v.id in wanted["video"]] if wanted["video"] else []
    playlists = [p for p in teacher_playlists(request, user) if p.id in wanted["playlist"]]
    events = [e for e in teacher_events(request, user) if e.id in wanted["live"]]
    if (len(videos), len(playlists), len(events)) != tuple(len(w) for w in wanted.values()) or not any(wanted.values()):
        return []
    embed = "html" in accepted and (request.POST.get("as") == "html" or "ltiResourceLink" not in accepted)
    if "ltiResourceLink" not in accepted and (playlists or events or not embed):
        return []
    if embed and any(video.status != "ready" for video in videos):  # its frame would show readers nothing yet
        refuse(
            request,
            _("A video still being prepared cannot be shown in the text yet: add it as an activity, or later."),
            f"html item of a video not ready {[v.id for v in videos if v.status != 'ready']}",
            LtiBadRequest,
        )
    graded = request.POST.get("graded") == "1" and not embed
    items: list[DeepLinkResource] = [
        html_item(request, video) if embed else resource_link(request, video, graded) for video in videos
    ]
    items += [other_link(request, p.title, {"playlist": str(p.id)}) for p in playlists]
    items += [other_link(request, e.title, {"live": str(e.id)}) for e in events]
    return items


def other_link(request, title: str, custom: dict) -> ResourceLink:
    """A playlist's or a live event's link: its launch opens the playlist or the event's page."""
    item = ResourceLink().set_type("ltiResourceLink").set_title(title).set_url(request.route_url("moodle.launch"))
    return item.set_custom_params(custom)


def html_item(request, video: Video) -> HtmlItem:
    """The video's embed page in a frame, for the platform's text (its access rules apply to whoever reads)."""
    src = escape(request.route_url("video.embed", video_id=video.id))
    title = escape(video.title)
    frame = (
        f'<iframe src="{src}" title="{title}" width="640" height="360" style="border:0;max-width:100%" '
        'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )
    return HtmlItem(video.title, frame)


def resource_link(request, video: Video, graded: bool) -> ResourceLink:
    item = ResourceLink().set_type("ltiResourceLink").set_title(video.title).set_url(request.route_url("moodle.launch"))
    item.set_custom_params({"video": str(video.id)})
    if video.access == "public" and video.poster_key:  # a thumbnail the platform can fetch
        item.thumbnail = request.route_url("video.thumbnail", video_id=video.id)
    if graded:
        item.set_lineitem(LineItem().set_score_maximum(100).set_label(video.title).set_resource_id(str(video.id)))
    return item
