"""What the player reports of a viewing (play, pause, seek, end...), in batches, for the plugins that want it.

The player sends these only where an enabled plugin implements ``amphi_player_events`` (the page's
``data-events-url``), at most one request every few seconds, and the rest when the page goes
(``pagehide``). Everything is checked here (shape, numbers, the viewer's access to the video), so a
plugin receives clean values: times clamped to the video's duration, the segments played merged.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config

from core.access.security import check_visitor_post
from core.catalogue.lookup import require_video
from core.platform.plugins import collect
from core.web.inputs import finite_number, json_body
from core.web.player import player_events_wanted

log = logging.getLogger(__name__)

#: What a player may report; see ``amphi_player_events`` for each event's values.
EVENT_TYPES = frozenset(
    {"ready", "play", "pause", "seeked", "ended", "ratechange", "volumechange", "fullscreen", "captions", "leave"}
)
MAX_EVENTS = 100  # one batch: a few seconds of a viewer's clicks
MAX_SEGMENTS = 1000
#: How far back a reported event may be dated (older ones, a batch kept by a sleeping laptop, are dated an hour ago).
MAX_AGE = timedelta(hours=1)
SESSION = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class BadReport(ValueError):
    """A report that does not follow the shape (its message says what is wrong)."""


@view_config(route_name="api.video.events", renderer="json", request_method="POST", require_csrf=False)
def report_events(request):
    """A batch of player events: ``{"session", "events": [...], "played": [[start, end], ...]}``.

    Answers ``{"wanted": false}`` when no plugin wants more of this viewing (the player stops).
    """
    if request.content_type != "application/json":  # another site's form cannot send JSON
        raise HTTPBadRequest("a JSON body is expected")
    body = json_body(request)
    token = body.get("csrf_token") if isinstance(body, dict) else None
    check_visitor_post(request, body_token=token if isinstance(token, str) else None)
    video = require_video(request)
    try:
        session, events, played = parse_report(body, video.duration or 0.0, datetime.now(UTC))
    except BadReport as exc:
        log.info("player events for video %s refused: %s", video.id, exc)
        raise HTTPBadRequest(f"player events: {exc}") from None
    request.response.cache_control = "private, no-store"
    if not player_events_wanted(request):
        return {"wanted": False}
    answers = collect(
        request, "amphi_player_events", expect=bool, video=video, session=session, events=events, played=played
    )
    return {"wanted": any(answers)}


def parse_report(body, duration: float, now: datetime) -> tuple[str, list[dict], list[tuple[float, float]]]:
    """The session, the events and the played segments of a report, checked and clamped, or ``BadReport``."""
    if not isinstance(body, dict):
        raise BadReport("an object is expected")
    session = body.get("session")
    if not isinstance(session, str) or not SESSION.fullmatch(session):
        raise BadReport("session: a random (version 4) UUID in lower case is expected")
    events, played = body.get("events", []), body.get("played", [])
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        raise BadReport(f"events: a list of at most {MAX_EVENTS} events is expected")
    if not isinstance(played, list) or len(played) > MAX_SEGMENTS:
        raise BadReport(f"played: a list of at most {MAX_SEGMENTS} [start, end] pairs is expected")
    limit = duration if duration > 0 else float("inf")
    return session, [parse_event(e, limit, now) for e in events], merged_segments(played, limit)


def parse_event(event, limit: float, now: datetime) -> dict:
    if not isinstance(event, dict) or event.get("type") not in EVENT_TYPES:
        raise BadReport(f"each event is an object whose type is one of {', '.join(sorted(EVENT_TYPES))}")
    kind = event["type"]
    try:
        parsed = {"type": kind, "time": clamp(finite_number(event.get("time", 0)), 0, limit)}
        at = event.get("at")
        moment = now if at is None else datetime.fromtimestamp(finite_number(at) / 1000, UTC)
        parsed["at"] = min(now, max(now - MAX_AGE, moment))
        if kind == "seeked":
            parsed["from"] = clamp(finite_number(event.get("from", 0)), 0, limit)
        elif kind == "ratechange":
            parsed["rate"] = clamp(finite_number(event["rate"]), 0.0625, 16)
        elif kind == "volumechange":
            parsed["volume"] = clamp(finite_number(event["volume"]), 0, 1)
            parsed["muted"] = event.get("muted") is True
        elif kind == "fullscreen":
            parsed["on"] = event.get("on") is True
        elif kind == "captions":
            language = event.get("language") or ""
            if not isinstance(language, str) or not re.fullmatch(r"[A-Za-z0-9-]{0,35}", language):
                raise ValueError("captions: language is a language tag or empty")
            parsed["language"] = language
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise BadReport(f"{kind}: {exc}") from None
    return parsed


def merged_segments(pairs: list, limit: float) -> list[tuple[float, float]]:
    """``[[start, end], ...]`` clamped to the video, sorted, overlapping ones merged; empty ones dropped."""
    segments = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise BadReport("played: each segment is a [start, end] pair of seconds")
        try:
            start, end = (clamp(finite_number(value), 0, limit) for value in pair)
        except ValueError:
            raise BadReport("played: each segment is a [start, end] pair of seconds") from None
        if end > start:
            segments.append((start, end))
    merged: list[tuple[float, float]] = []
    for start, end in sorted(segments):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
