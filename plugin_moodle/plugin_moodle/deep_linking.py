"""Deep Linking: from the platform's activity chooser, a teacher picks their videos (a search box narrows
them) and Amphi returns ``ltiResourceLink`` items (title, thumbnail for public videos, a line item when the
teacher asks for a grade), signed with the site's tool key as the spec requires, to the platform's return
address taken from the signed launch.

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

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import or_, select

from core.models import User, Video, video_owners
from core.plugin_api import _, derived_key
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


def read_chooser_token(request) -> dict:
    payload, _dot, signature = request.params.get("dl", "").partition(".")
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


def chooser_videos(request, user: User, words: str) -> list[Video]:
    """The teacher's ready videos (owned or co-owned) on this site, matching ``words``, newest first."""
    co_owned = select(video_owners.c.video_id).where(video_owners.c.user_id == user.id)
    query = select(Video).where(
        Video.site_id == request.site.id,
        Video.status == "ready",
        or_(Video.owner_id == user.id, Video.id.in_(co_owned)),
    )
    for word in words.split()[:5]:
        query = query.where(Video.title.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    return list(request.dbsession.scalars(query.order_by(Video.created_at.desc(), Video.id.desc()).limit(MAX_SHOWN)))


def render_chooser(request, user: User, token: str, settings: dict, status: int = 200):
    words = request.params.get("q", "").strip()[:100]
    values = {
        "videos": chooser_videos(request, user, words),
        "words": words,
        "token": token,
        "multiple": str(settings.get("accept_multiple", True)).lower() != "false",
        "title": settings.get("title") or "",
    }
    response = render_to_response("plugin_moodle:templates/deep_link.html", values, request=request)
    response.status = status
    return response


def start_deep_linking(request, platform: LtiPlatform, launch: PyramidMessageLaunch, user: User):
    """The chooser, right after a deep-linking launch (Instructors only)."""
    if not user.can_upload:
        refuse(request, _("Only the course's teachers choose videos."), f"deep linking by learner {user.id}")
    settings = launch.get_launch_data().get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings") or {}
    return render_chooser(request, user, chooser_token(request, user, platform, launch.get_launch_id()), settings)


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
    settings = launch.get_launch_data().get("https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings") or {}
    return render_chooser(request, user, request.params["dl"], settings)


@view_config(route_name="moodle.deep_link", request_method="POST", require_csrf=False)
def choose(request):
    """The chosen videos, signed as an LtiDeepLinkingResponse, posted back to the platform by the browser."""
    data = read_chooser_token(request)
    user = request.dbsession.get(User, data["u"])
    launch = restored_launch(request, data)
    wanted = {int(v) for v in request.POST.getall("video") if v.isdigit()}
    videos = [v for v in chooser_videos(request, user, "") if v.id in wanted] if user is not None else []
    if not videos or len(videos) != len(wanted):
        refuse(
            request, _("Choose at least one of your videos."), f"deep linking choice {sorted(wanted)}", LtiBadRequest
        )
    graded = request.POST.get("graded") == "1"
    items = [resource_link(request, video, graded) for video in videos]
    deep_link = launch.get_deep_link()
    token = deep_link.get_response_jwt(items)
    settings = launch.get_launch_data()["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    log.info("LTI deep linking: user %s returns videos %s to %s", user.id, [v.id for v in videos], launch.get_iss())
    return render_to_response(
        "plugin_moodle:templates/deep_link_return.html",
        {"return_url": settings["deep_link_return_url"], "jwt": token, "count": len(items)},
        request=request,
    )


def resource_link(request, video: Video, graded: bool) -> ResourceLink:
    item = ResourceLink().set_type("ltiResourceLink").set_title(video.title).set_url(request.route_url("moodle.launch"))
    item.set_custom_params({"video": str(video.id)})
    if video.access == "public" and video.poster_key:  # a thumbnail the platform can fetch
        item.thumbnail = request.route_url("video.thumbnail", video_id=video.id)
    if graded:
        item.set_lineitem(LineItem().set_score_maximum(100).set_label(video.title).set_resource_id(str(video.id)))
    return item
