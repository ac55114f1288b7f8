"""Lecture-capture boxes: Opencast capture agents (pyCA, Galicaster...), watched drop folders and HTTP push.

Site admins manage recorders and their schedules; recordings become videos through the
Opencast ingest protocol (the ``opencast_ingest`` plugin, which this one requires) or the core's
ingest path, published at once or waiting as pending recordings for their manager.
"""

import os

from sqlalchemy import func, or_, select

from core import hookimpl
from core.plugin_api import NavItem, Setting, _, remember_for_user
from plugin_recorder.models import PendingRecording, Recorder, RecorderEvent

NAME = "recorder"
AMPHI_HOOKS = ">=2.5,<3"  # remember_for_user, personal_changed came with 2.5; notification kinds with 2.1
#: Capture agents upload through its ``/ingest/`` endpoints, and its hooks say who they are.
AMPHI_REQUIRES = ("opencast_ingest",)
#: Its amphi_permits only lets a pending recording's claimants watch it: searches stay in SQL.
AMPHI_PERMITS_NEVER_DENIES = True
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")


def includeme(config):
    # Opencast capture-agent side (paths as Opencast serves them).
    config.add_route("recorder.services", "/services/available.json")
    config.add_route("recorder.agent.configuration", "/capture-admin/agents/{name}/configuration")
    config.add_route("recorder.agent", "/capture-admin/agents/{name}")
    config.add_route("recorder.recording", "/capture-admin/recordings/{uid}")
    config.add_route("recorder.calendar", "/recordings/calendars")
    config.add_route("recorder.push", "/recorder/push")
    # People.
    config.add_route("recorder.admin", "/admin/recorders")
    config.add_route("recorder.new", "/admin/recorders/new")
    config.add_route("recorder.edit", "/admin/recorders/{recorder_id:\\d+}")
    config.add_route("recorder.token", "/admin/recorders/{recorder_id:\\d+}/token")
    config.add_route("recorder.delete", "/admin/recorders/{recorder_id:\\d+}/delete")
    config.add_route("recorder.schedule", "/admin/recorders/{recorder_id:\\d+}/schedule")
    config.add_route("recorder.event", "/admin/recorders/{recorder_id:\\d+}/schedule/{event_id:\\d+}")
    config.add_route("recorder.event.delete", "/admin/recorders/{recorder_id:\\d+}/schedule/{event_id:\\d+}/delete")
    config.add_route("recorder.pending", "/recorder/pending")
    config.add_route("recorder.pending.claim", "/recorder/pending/{pending_id:\\d+}")
    config.add_translation_dirs(LOCALE_DIR)
    config.scan("plugin_recorder.agents")
    config.scan("plugin_recorder.push")
    config.scan("plugin_recorder.admin")
    config.scan("plugin_recorder.pending")
    from plugin_recorder import folder, mail, missing  # noqa: F401  (their tasks are registered on import)


@hookimpl
def amphi_settings():
    return [
        Setting(
            "drop_root",
            "str",
            "",
            site_editable=False,
            label=_("Drop folders root"),
            help=_("Watched drop folders must lie inside this folder; empty turns drop folders off."),
        ),
        Setting("timezone", "str", "Europe/Paris", label=_("Time zone of the schedules")),
        Setting(
            "missing_after_minutes",
            "int",
            60,
            label=_("Minutes after a scheduled recording ends before its missing video is reported"),
            help=_(
                "Its manager is then told by e-mail that no video arrived (at once when the capture "
                "agent reports an error)."
            ),
        ),
        Setting(
            "site_url",
            "str",
            "",
            label=_("Address of the site in e-mails"),
            help=_("For example https://video.example.edu; empty: https:// and the site's first domain."),
        ),
    ]


def pending_count(request) -> int:
    """How many pending recordings the request's user may claim (for the navigation; counted once a request:
    the page's access profile and its navigation both ask; remembered per user and generations while pages
    are shared: pending recordings and events bump the personal generation, a recorder's save or deletion too)."""
    counted = request.environ.get("amphi.recorder.pending")
    if counted is not None and counted[0] == request.user.id:
        return counted[1]
    count = remember_for_user(request, ("recorder.pending", request.user.is_admin), lambda: _count_pending(request))
    request.environ["amphi.recorder.pending"] = (request.user.id, count)
    return count


def _count_pending(request) -> int:
    query = (
        select(func.count(PendingRecording.id))
        .join(Recorder, Recorder.id == PendingRecording.recorder_id)
        .outerjoin(RecorderEvent, RecorderEvent.id == PendingRecording.event_id)
        .where(PendingRecording.site_id == request.site.id)
    )
    if not request.user.is_admin:
        query = query.where(or_(Recorder.manager_id == request.user.id, RecorderEvent.owner_id == request.user.id))
    return request.dbsession.scalar(query)


@hookimpl
def amphi_notification_kinds(request):
    from plugin_recorder.mail import KINDS

    return KINDS


@hookimpl
def amphi_nav_items(request):
    if request.user is None:
        return []
    items = []
    count = pending_count(request)
    if count:
        items.append(
            NavItem(
                request.translate("Pending recordings (${count})", count=count),
                request.route_url("recorder.pending"),
                order=450,
            )
        )
    if request.user.is_admin:
        items.append(NavItem(request.translate("Recorders"), request.route_url("recorder.admin"), order=850))
    return items


# --- Opencast ingest (opencast_ingest serves /ingest/...; recorders authenticate there) -------------


@hookimpl
def amphi_ingest_authenticate(request):
    from plugin_recorder.ingesting import recorder_principal

    return recorder_principal(request)


@hookimpl
def amphi_ingest_challenge(request):
    from plugins.opencast_ingest.api import REALM, digest_challenge, nonce_secret

    return digest_challenge(nonce_secret(request), REALM)


@hookimpl
def amphi_ingest_received(request, principal, mediapackage, video):
    from plugin_recorder.ingesting import recording_received

    if principal.source == NAME:
        recording_received(request, principal, mediapackage, video)


@hookimpl
def amphi_page_profile(request):
    """The navigation counts the recordings this user may claim: pages are theirs while there are some."""
    if request.user is None:
        return None
    count = pending_count(request)
    if not count:
        return None
    return ("recorder", count) if request.user.is_admin else ("recorder", request.user.id, count)


@hookimpl
def amphi_permits(request, video, permission):
    """Whoever may claim a pending recording may watch it first (it is still a draft)."""
    if permission != "view" or request.user is None or video.status != "ready" or video.access != "draft":
        return None
    from plugin_recorder.recordings import claimable

    pending = request.dbsession.scalar(select(PendingRecording).where(PendingRecording.video_id == video.id))
    return True if pending is not None and claimable(request, pending) else None
