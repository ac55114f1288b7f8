"""The LTI 1.3 launch: OIDC third-party login initiation, then the signed launch itself.

Every check refuses with a clear page (4xx), one log line and nothing created: the platform, the
deployment, the signature (with the platform's published keys, fetched outside any transaction), the
audience, the expiry, the state and nonce (each used once, on every process), and the resource (a video
of this site). Only then is the person found (by the platform's issuer and ``sub``) or created, their
course group joined, and the frame sent to the video's embed page with its grant (:mod:`plugin_moodle.grants`).
"""

from __future__ import annotations

import hashlib
import logging
import re

import jwt
import requests
from pylti1p3.exception import LtiException, OIDCException
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import func, select

from core.models import Group, User, Video
from core.plugin_api import AmphiError, _, commit_now, create_user, find_user, plugin_settings
from plugin_moodle.adapter import (
    PyramidMessageLaunch,
    PyramidOIDCLogin,
    SiteToolConf,
    fetch_keyset,
    forget_keyset,
)
from plugin_moodle.grants import make_grant
from plugin_moodle.models import LtiAccount, LtiCourse, LtiPlatform, LtiTeacher
from plugin_moodle.services import remember_course, remember_grade

log = logging.getLogger(__name__)

NAME = "moodle"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
#: Roles that make an uploader of Amphi (an Instructor of the course, or the platform's staff).
TEACHING_ROLES = re.compile(r"#(Instructor|Administrator|ContentDeveloper|TeachingAssistant|Faculty|Staff)$")


class LtiRefused(AmphiError):
    """The LMS's launch was refused."""

    status = 403
    code = "lti-refused"


class LtiBadRequest(LtiRefused):
    status = 400


def refuse(request, message, reason: str, error=LtiRefused):
    """Log why (for the operator) and raise the page the person sees (in their language)."""
    log.warning("LTI launch refused on %s: %s", request.host, reason)
    raise error(request.localizer.translate(message))


def moodle_settings(request):
    return plugin_settings(request.registry, request.site, NAME)


# --- OIDC login initiation --------------------------------------------------------------------------


@view_config(route_name="moodle.login", request_method=("GET", "POST"), require_csrf=False)
def login(request):
    """The platform's third-party login initiation: send the browser to its authorization endpoint with
    a state and a nonce kept server-side."""
    target = request.params.get("target_link_uri", "")
    if not target.startswith(request.host_url + "/"):
        refuse(
            request,
            _("The launch asks for an address outside this site."),
            f"target_link_uri {target!r}",
            LtiBadRequest,
        )
    oidc = PyramidOIDCLogin(request, SiteToolConf(request))
    try:
        return oidc.disable_check_cookies().redirect(request.route_url("moodle.launch"))
    except (OIDCException, LtiException) as exc:
        refuse(request, _("This learning platform is not registered on this site."), str(exc))


# --- the launch ----------------------------------------------------------------------------------


def unverified_claims(request, id_token: str) -> dict:
    try:
        return jwt.decode(id_token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        refuse(
            request, _("The learning platform sent an unreadable launch."), f"unreadable id_token: {exc}", LtiBadRequest
        )


def launch_platform(request, claims: dict) -> LtiPlatform:
    aud = claims.get("aud")
    client_id = claims.get("azp") or (aud[0] if isinstance(aud, list) and aud else aud)
    platform = SiteToolConf(request).platform(str(claims.get("iss", "")), str(client_id or ""))
    if (
        platform is None
        or (isinstance(aud, list) and platform.client_id not in aud)
        or (isinstance(aud, str) and aud != platform.client_id)
    ):
        refuse(
            request,
            _("This learning platform is not registered on this site."),
            f"unknown iss/aud {claims.get('iss')!r} {aud!r}",
        )
    return platform


def platform_keyset(request, platform: LtiPlatform, kid: str | None) -> dict:
    """The platform's keys, read outside the transaction; fetched again once if ``kid`` is new to us."""
    url = platform.keyset_url
    commit_now(request)  # nothing is held while the platform's server answers
    try:
        keyset = fetch_keyset(url)
        if kid and kid not in {k.get("kid") for k in keyset["keys"]}:
            forget_keyset(url)
            keyset = fetch_keyset(url)
    except (requests.RequestException, ValueError) as exc:
        refuse(request, _("The learning platform's keys could not be read; try again later."), f"keyset {url}: {exc}")
    return keyset


def validated_launch(request) -> tuple[PyramidMessageLaunch, LtiPlatform]:
    id_token = request.POST.get("id_token", "")
    if not id_token or not request.POST.get("state"):
        refuse(
            request, _("This address is for launches from a learning platform."), "no id_token or state", LtiBadRequest
        )
    claims = unverified_claims(request, id_token)
    platform = launch_platform(request, claims)
    kid = jwt.get_unverified_header(id_token).get("kid")
    platform_id = platform.id
    keyset = platform_keyset(request, platform, kid)
    platform = request.dbsession.get(LtiPlatform, platform_id)  # read again in the new transaction
    if platform is None:  # deleted meanwhile
        refuse(request, _("This learning platform is not registered on this site."), f"platform {platform_id} gone")
    launch = PyramidMessageLaunch(request, SiteToolConf(request, {platform.id: keyset}))
    # The audience was checked above (launch_platform); the signature check also demands an expiry.
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    try:
        launch.validate()
    except LtiException as exc:
        refuse(request, _("The launch could not be verified: ask the course's teacher to try again."), str(exc))
    if not launch.claim_once():
        refuse(
            request, _("This launch was already used: open the activity again from the course."), "replayed state/nonce"
        )
    return launch, platform


def launch_video(request, data: dict) -> Video | None:
    """The video a resource link names (``custom.video``), of this site and no other; None: no video asked."""
    wanted = str((data.get(CLAIM + "custom") or {}).get("video", "")).strip()
    if not wanted:
        return None
    video = request.dbsession.get(Video, int(wanted)) if wanted.isdigit() else None
    if video is None or video.site_id != request.site.id:
        refuse(
            request, _("This activity names a video that is not on this site."), f"video {wanted!r} not of this site"
        )
    return video


def launch_elsewhere(request, data: dict) -> str | None:
    """The address of the playlist or live event a resource link names (``custom.playlist``, ``custom.live``),
    of this site, where the site enables their plugin; None: the link names neither."""
    from plugin_moodle.deep_linking import uses

    custom = data.get(CLAIM + "custom") or {}
    for name, plugin in (("playlist", "playlists"), ("live", "live")):
        wanted = str(custom.get(name, "")).strip()
        if not wanted:
            continue
        found = None
        if wanted.isdigit() and uses(request, plugin):
            if plugin == "playlists":
                from plugins.playlists import api as playlists_api

                found = playlists_api.playlist_summary(request, int(wanted))
            else:
                from plugins.live import api as live_api

                found = live_api.event_summary(request, int(wanted))
        if found is None:
            refuse(
                request,
                _("This activity names a playlist or a live event that is not on this site."),
                f"{name} {wanted!r} not of this site",
            )
        return found.url
    return None


def teaches(data: dict) -> bool:
    """Whether the launch's roles make a teacher of the course."""
    return any(TEACHING_ROLES.search(str(role)) for role in data.get(CLAIM + "roles") or [])


def username_for(issuer: str, sub: str) -> str:
    """A stable username no local account would choose: ``lti-`` and a digest of the issuer and ``sub``."""
    return "lti-" + hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:20]


def claimed_identifier(data: dict, claim: str) -> str:
    """The launch's value of ``claim`` (a claim's name, or ``<claim>#<field>`` for a field of an object claim)."""
    name, _hash, field = claim.strip().partition("#")
    value = data.get(name)
    if field:
        value = value.get(field) if isinstance(value, dict) else None
    return value.strip() if isinstance(value, str) else ""


def institutional_user(request, data: dict) -> User | None:
    """The account the institution's sign-in made (its username) that the claim the site names identifies;
    never an account made by a launch, nor a superuser."""
    claim = str(moodle_settings(request)["link_by_claim"] or "")
    identifier = claimed_identifier(data, claim) if claim.strip() else ""
    if not identifier or identifier.startswith("lti-"):
        return None
    user = find_user(request.dbsession, request.site.id, identifier)
    if user is None or user.is_superuser:
        return None
    log.info("LTI launch linked to account %s by %s", user.id, claim)
    return user


def launch_user(request, platform: LtiPlatform, data: dict) -> User:
    """The person: known by (issuer, sub), linked by an institutional identifier or by e-mail when the site
    allows, else a new account."""
    sub = str(data.get("sub") or "")
    if not sub:
        refuse(request, _("The learning platform did not say who you are."), "no sub", LtiBadRequest)
    account = request.dbsession.scalar(
        select(LtiAccount).where(
            LtiAccount.site_id == request.site.id, LtiAccount.issuer == platform.issuer, LtiAccount.sub == sub
        )
    )
    user = request.dbsession.get(User, account.user_id) if account else None
    if user is None:
        user = institutional_user(request, data)
    email = str(data.get("email") or "").strip()
    if user is None and email and moodle_settings(request)["link_by_email"]:
        matches = list(
            request.dbsession.scalars(
                select(User).where(User.site_id == request.site.id, func.lower(User.email) == email.lower()).limit(2)
            )
        )
        user = matches[0] if len(matches) == 1 else None
    if user is None:
        user = create_user(
            request,
            username_for(platform.issuer, sub),
            display_name=str(data.get("name") or "")[:200],
            email=email[:254],
        )
    if account is None:
        request.dbsession.add(LtiAccount(site_id=request.site.id, issuer=platform.issuer, sub=sub, user_id=user.id))
    if not user.is_active:
        refuse(request, _("Your account on this site is disabled."), f"user {user.id} disabled")
    if teaches(data):
        user.can_upload = True  # an Instructor uploads and manages the course's videos
    return user


def course_group(request, platform: LtiPlatform, data: dict) -> Group | None:
    """The Amphi group of the launch's course (context), created on its first launch."""
    context = data.get(CLAIM + "context") or {}
    context_id = str(context.get("id") or "")
    if not context_id:
        return None
    name = f"lti-{platform.id}-" + hashlib.sha256(context_id.encode()).hexdigest()[:24]
    group = request.dbsession.scalar(select(Group).where(Group.site_id == request.site.id, Group.name == name))
    if group is None:
        group = Group(site_id=request.site.id, name=name, source=NAME)
        request.dbsession.add(group)
    # Its title says which course of which platform: teachers pick it as a video's access.
    group.title = f"{context.get('title') or context.get('label') or context_id} ({platform.name})"[:200]
    return group


@view_config(route_name="moodle.launch", request_method="POST", require_csrf=False)
def launch(request):
    message, platform = validated_launch(request)
    data = message.get_launch_data()
    if message.is_deep_link_launch():
        from plugin_moodle.deep_linking import start_deep_linking

        user = launch_user(request, platform, data)
        return start_deep_linking(request, platform, message, user)
    video = launch_video(request, data)
    elsewhere = launch_elsewhere(request, data) if video is None else None
    user = launch_user(request, platform, data)
    group = course_group(request, platform, data)
    if group is not None and user not in group.members:
        group.members.append(user)
    request.dbsession.flush()
    course = None
    if group is not None:
        course = remember_course(request, platform, str(data[CLAIM + "context"]["id"]), group, data)
        if teaches(data) and request.dbsession.get(LtiTeacher, (course.id, user.id)) is None:
            request.dbsession.add(LtiTeacher(course_id=course.id, user_id=user.id))
    if video is not None:
        remember_grade(request, platform, user, str(data["sub"]), video.id, data)
    log.info("LTI launch: user %s from %s, video %s", user.id, platform.issuer, video.id if video else None)
    if elsewhere is not None:  # a playlist or a live event: its own page (its access rules apply)
        return HTTPFound(elsewhere)
    if video is None:  # a link to the tool itself (no video chosen yet): say so, in the frame
        values = {
            "title": request.localizer.translate(_("Amphi videos")),
            "message": request.localizer.translate(
                _("This activity shows no video yet: its teacher chooses one by editing it (“Select content”).")
            ),
        }
        return render_to_response("plugin_moodle:templates/notice.html", values, request=request)
    if video.status != "ready":  # added from the chooser while it encodes: say so, in the frame
        return not_ready(request, video)
    grant = make_grant(
        request, user, video.id, 60 * moodle_settings(request)["grant_minutes"], course.id if course else None
    )
    return HTTPFound(request.route_url("video.embed", video_id=video.id, _query={"grant": grant}))


def not_ready(request, video: Video):
    """The launch of a video still being prepared (or whose processing failed): a notice, not the player."""
    if video.status == "failed":
        message = _("This video could not be prepared: tell the course's teacher.")
    else:
        message = _("This video is being prepared: come back in a few minutes, it will play here.")
    log.info("LTI launch of video %s, not ready (%s)", video.id, video.status)
    values = {"title": video.title, "message": request.localizer.translate(message)}
    return render_to_response("plugin_moodle:templates/notice.html", values, request=request)


def teaches_video(request, video: Video) -> bool:
    """Whether the request's user teaches a course whose group the video is limited to."""
    groups = [g.id for g in video.allowed_groups]
    if not groups:
        return False
    found = request.dbsession.scalar(
        select(LtiTeacher.user_id)
        .join(LtiCourse, LtiCourse.id == LtiTeacher.course_id)
        .where(
            LtiTeacher.user_id == request.user.id, LtiCourse.group_id.in_(groups), LtiCourse.site_id == video.site_id
        )
        .limit(1)
    )
    return found is not None
