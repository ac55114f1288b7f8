"""xAPI statements of the Video Profile (https://liveaspankaj.gitbooks.io/xapi-video-profile/), from player events.

Pure functions: they build the statement dicts from plain values; :mod:`plugins.xapi.recording` gives
them the actor, the video's activity and the context, and keeps the statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

VIDEO = "https://w3id.org/xapi/video"
ACTIVITY_TYPE = f"{VIDEO}/activity-type/video"
EXT = f"{VIDEO}/extensions/"
PROFILE_CATEGORY = {"id": VIDEO, "definition": {"type": "http://adlnet.gov/expapi/activities/profile"}}

VERBS = {
    "initialized": ("http://adlnet.gov/expapi/verbs/initialized", "initialized"),
    "played": (f"{VIDEO}/verbs/played", "played"),
    "paused": (f"{VIDEO}/verbs/paused", "paused"),
    "seeked": (f"{VIDEO}/verbs/seeked", "seeked"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "completed"),
    "interacted": ("http://adlnet.gov/expapi/verbs/interacted", "interacted"),
    "terminated": ("http://adlnet.gov/expapi/verbs/terminated", "terminated"),
}

#: The player's event types (``amphi_player_events``) and the verb each becomes; ``ended`` says nothing
#: by itself: completion is the share of the video really played (``completed``).
EVENT_VERBS = {
    "ready": "initialized",
    "play": "played",
    "pause": "paused",
    "seeked": "seeked",
    "ratechange": "interacted",
    "volumechange": "interacted",
    "fullscreen": "interacted",
    "captions": "interacted",
    "leave": "terminated",
}


@dataclass(frozen=True)
class Viewing:
    """What every statement of one viewing shares."""

    actor: dict
    activity: dict
    context: dict  # registration, contextActivities, extensions (length, session-id...)
    length: float
    threshold: float
    played: Sequence[tuple[float, float]] = field(default_factory=tuple)


def seconds(value: float) -> float:
    return round(value, 3)


def played_segments(played: Sequence[tuple[float, float]]) -> str:
    """The profile's ``played-segments``: ``0[.]12.5[,]30[.]42``."""
    return "[,]".join(f"{seconds(start):g}[.]{seconds(end):g}" for start, end in played)


def progress(played: Sequence[tuple[float, float]], length: float) -> float:
    """The share of the video played (0 to 1), seeks excluded."""
    if length <= 0:
        return 0.0
    return round(min(1.0, sum(end - start for start, end in played) / length), 3)


def iso_duration(value: float) -> str:
    return f"PT{seconds(value):g}S"


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def statement(viewing: Viewing, verb: str, at: datetime, result: dict | None, context_extensions: dict | None) -> dict:
    """One statement, with a new id: the id is kept with it, so every retry sends the same statement."""
    verb_id, display = VERBS[verb]
    context = dict(viewing.context)
    context["extensions"] = {**viewing.context.get("extensions", {}), **(context_extensions or {})}
    built = {
        "id": str(uuid.uuid4()),
        "actor": viewing.actor,
        "verb": {"id": verb_id, "display": {"en-US": display}},
        "object": viewing.activity,
        "context": context,
        "timestamp": timestamp(at),
    }
    if result:
        built["result"] = result
    return built


def progress_result(viewing: Viewing, time: float) -> dict:
    return {
        f"{EXT}time": seconds(time),
        f"{EXT}progress": progress(viewing.played, viewing.length),
        f"{EXT}played-segments": played_segments(viewing.played),
    }


def from_event(viewing: Viewing, event: Mapping[str, Any]) -> dict | None:
    """The statement of one player event, or None for an event without one."""
    verb = EVENT_VERBS.get(event["type"])
    time, at = event["time"], event["at"]
    if verb is None:
        return None
    if verb == "initialized":
        return statement(viewing, verb, at, None, {f"{EXT}completion-threshold": viewing.threshold})
    if verb == "played":
        return statement(viewing, verb, at, {"extensions": {f"{EXT}time": seconds(time)}}, None)
    if verb in ("paused", "terminated"):
        return statement(viewing, verb, at, {"extensions": progress_result(viewing, time)}, None)
    if verb == "seeked":
        result = {"extensions": {f"{EXT}time-from": seconds(event["from"]), f"{EXT}time-to": seconds(time)}}
        return statement(viewing, verb, at, result, None)
    return statement(viewing, verb, at, {"extensions": {f"{EXT}time": seconds(time)}}, interaction(event))


def interaction(event: Mapping[str, Any]) -> dict:
    """The context extensions that say what changed (speed, volume, full screen, captions)."""
    kind = event["type"]
    if kind == "ratechange":
        return {f"{EXT}speed": f"{event['rate']:g}x"}
    if kind == "volumechange":
        return {f"{EXT}volume": 0 if event["muted"] else round(event["volume"], 3)}
    if kind == "fullscreen":
        return {f"{EXT}full-screen": event["on"]}
    language = event["language"]
    return {f"{EXT}cc-subtitle-enabled": bool(language), **({f"{EXT}cc-subtitle-lang": language} if language else {})}


def completed(viewing: Viewing, time: float, at: datetime) -> dict:
    """``completed``: the share played reached the completion threshold (seeks do not count)."""
    result = {
        "completion": True,
        "duration": iso_duration(sum(end - start for start, end in viewing.played)),
        "extensions": progress_result(viewing, time),
    }
    return statement(viewing, "completed", at, result, {f"{EXT}completion-threshold": viewing.threshold})
