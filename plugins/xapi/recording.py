"""From the player's events to statements kept in the outbox, inside the viewer's request (no LRS is called here).

Who the statement says the learner is follows the site's privacy setting (``actor``): the account's
username, or a pseudonym (an HMAC of the user's id with a key derived from the installation's secret,
per site). Anonymous viewers produce nothing unless the site records them (``anonymous``): then each
viewing gets its own pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.models import utcnow
from core.plugin_api import collect, derived_key
from plugins.xapi import statements
from plugins.xapi.models import Outbox, Viewing

log = logging.getLogger(__name__)
NAME = "xapi"


def recording(request) -> bool:
    """Whether the request's site sends statements (switched on, with an LRS to send them to)."""
    settings = request.plugin_settings(NAME)
    return bool(settings["send"] and settings["endpoint"])


def viewer_key(request) -> str | None:
    """Who watches, as the viewing row keeps it; None for a viewer the site does not record."""
    if request.user is not None:
        return f"user:{request.user.id}"
    return "anonymous" if request.plugin_settings(NAME)["anonymous"] else None


def pseudonym(request, subject: str) -> str:
    """A stable identifier that the LRS cannot turn back into the account (or the viewing)."""
    key = derived_key(request.registry.settings, "xapi.actor")
    return hmac.new(key, f"{request.site.id}:{subject}".encode(), hashlib.sha256).hexdigest()


def actor(request, session: str) -> dict:
    home = request.route_url("home")
    if request.user is None:
        name = pseudonym(request, f"viewing:{session}")
    elif request.plugin_settings(NAME)["actor"] == "account":
        name = request.user.username
    else:
        name = pseudonym(request, f"user:{request.user.id}")
    return {"objectType": "Agent", "account": {"homePage": home, "name": name}}


def language_map(video, text: str) -> dict:
    return {video.language or "und": text}


def activity(request, video) -> dict:
    definition = {"type": statements.ACTIVITY_TYPE, "name": language_map(video, video.title)}
    if video.description:
        definition["description"] = language_map(video, video.description[:1000])
    return {"objectType": "Activity", "id": request.route_url("video", video_id=video.id), "definition": definition}


def context(request, video, session: str, threshold: float) -> dict:
    """The site and the video's channels (grouping), the profile (category), and what plugins add
    (``amphi_xapi_context``: a course the viewer came from...)."""
    site = {"id": request.route_url("home"), "definition": {"name": {"und": request.site.name}}}
    channels = [
        {
            "id": request.route_url("channel", channel=channel.slug),
            "definition": {
                "type": "http://id.tincanapi.com/activitytype/collection-simple",
                "name": {"und": channel.title},
            },
        }
        for channel in sorted(video.channels, key=lambda c: c.id)
    ]
    built: dict[str, Any] = {
        "registration": session,
        "platform": "Amphi",
        "contextActivities": {"grouping": [site, *channels], "category": [statements.PROFILE_CATEGORY]},
        "extensions": {
            f"{statements.EXT}session-id": session,
            f"{statements.EXT}length": statements.seconds(video.duration or 0.0),
        },
    }
    for added in collect(request, "amphi_xapi_context", expect=dict, video=video):
        merge_context(built, added)
    if video.language:
        built["language"] = video.language
    return built


def merge_context(built: dict, added: Mapping[str, Any]) -> None:
    """Add a plugin's ``parent``, ``grouping``, ``category``, ``other`` activities and ``extensions``."""
    activities = built["contextActivities"]
    for kind in ("parent", "grouping", "category", "other"):
        extra = [a for a in added.get(kind, ()) if isinstance(a, Mapping) and isinstance(a.get("id"), str)]
        if extra:
            activities[kind] = [*activities.get(kind, []), *(dict(a) for a in extra)]
    extensions = added.get("extensions")
    if isinstance(extensions, Mapping):
        built["extensions"].update({str(k): v for k, v in extensions.items()})


def follow_viewing(request, video, session: str, viewer: str) -> bool:
    """Tie the viewing to this viewer and video at its first report; False when it belongs to others."""
    db = request.dbsession
    row = db.get(Viewing, session)
    if row is None:
        try:
            with db.begin_nested():  # the page's last report (sendBeacon) may race its first one
                db.add(Viewing(id=session, site_id=request.site.id, video_id=video.id, viewer=viewer))
            return True
        except IntegrityError:
            row = db.get(Viewing, session)
    return row is not None and (row.site_id, row.video_id, row.viewer) == (request.site.id, video.id, viewer)


def claim_completion(request, session: str) -> bool:
    """True once per viewing: the conditional UPDATE lets one report (of concurrent ones) say ``completed``."""
    claimed = request.dbsession.execute(
        update(Viewing).where(Viewing.id == session, Viewing.completed.is_(False)).values(completed=True)
    )
    return claimed.rowcount == 1


def record_events(request, video, session: str, events: Sequence[Mapping], played: Sequence[tuple]) -> bool:
    """The ``amphi_player_events`` implementation: the batch's statements, into the outbox."""
    viewer = viewer_key(request) if recording(request) else None
    if viewer is None:
        return False
    if not follow_viewing(request, video, session, viewer):
        log.warning(
            "xapi: viewing %s of site %s reported by another viewer or for another video", session, request.site.id
        )
        return False
    settings = request.plugin_settings(NAME)
    threshold = min(1.0, max(0.0, settings["completion_threshold"]))
    viewing = statements.Viewing(
        actor(request, session),
        activity(request, video),
        context(request, video, session, threshold),
        video.duration or 0.0,
        threshold,
        tuple(played),
    )
    made = [s for s in (statements.from_event(viewing, e) for e in events) if s is not None]
    length = video.duration or 0.0
    if length > 0 and statements.progress(played, length) >= threshold and claim_completion(request, session):
        last = events[-1] if events else None
        done = statements.completed(viewing, last["time"] if last else length, last["at"] if last else utcnow())
        ends = [i for i, s in enumerate(made) if s["verb"]["id"] == statements.VERBS["terminated"][0]]
        made.insert(ends[0] if ends else len(made), done)  # completed before terminated
    keep(request, made)
    return True


def keep(request, made: list[dict]) -> None:
    if made:
        request.dbsession.execute(
            insert(Outbox),
            [{"site_id": request.site.id, "statement_id": s["id"], "statement": json.dumps(s)} for s in made],
        )


def pending_count(request) -> tuple[int, int]:
    """(waiting, refused by the LRS) statements of the request's site."""
    rows = request.dbsession.execute(
        select(Outbox.failed, func.count()).where(Outbox.site_id == request.site.id).group_by(Outbox.failed)
    ).all()
    counts = dict(rows)
    return counts.get(False, 0), counts.get(True, 0)
