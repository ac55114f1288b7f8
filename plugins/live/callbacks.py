"""nginx-rtmp's notifications: ``on_publish``, ``on_publish_done``, ``on_record_done``.

nginx-rtmp POSTs a form (``name`` is the stream key on publish). A callback is refused (403, logged)
unless it comes from a trusted address (loopback by default) and carries ``?secret=``. An admitted
publish is answered by a redirect whose ``Location`` is the stream's new name (``e<id>`` or
``e<id>_<language>``): keys never reach the packager, the recordings or the HLS paths.

Stream keys are installation-wide (nginx has one RTMP application for every site): an event is found
from its key's id, whatever the host the callback was sent to, and only on a site that enables live.
Each transition runs in the request's one transaction with the event's row locked; the packager is
told after the commit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta

from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.models import utcnow
from core.plugin_api import address_in, derived_key, lock_rows
from plugins.live import keys, replay
from plugins.live.events import NAME, in_window, live_settings
from plugins.live.models import LiveAudio, LiveEvent, LiveRecording

log = logging.getLogger(__name__)
STREAM_NAME = re.compile(r"^e(\d{1,12})(?:_([a-z]{2,3}(?:-[A-Za-z0-9]{1,8})?))?$")


class Rename(Response):
    """``302 Location: <new stream name>``: nginx-rtmp renames the admitted stream to that bare name.

    WebOb makes every relative ``Location`` an absolute URL when it answers, which nginx-rtmp would take
    as the name itself (``http://host/live/rtmp/e1``): this response keeps its headers as they are.
    """

    def __init__(self, name: str):
        super().__init__(status=302, headerlist=[("Location", name), ("Content-Type", "text/plain")])

    def _abs_headerlist(self, environ):
        return list(self._headerlist)


def callback_secret(registry) -> str:
    """The secret nginx-rtmp's callback URLs carry (``?secret=``), derived from the installation's secret."""
    return derived_key(registry.settings, "live.rtmp-callback").hex()[:32]


def trusted(request) -> bool:
    networks = live_settings(request.registry, request.site)["callback_addresses"]
    given = request.GET.get("secret", "")
    return address_in(request.remote_addr, list(networks), "amphi.live.callback_addresses") and hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(callback_secret(request.registry).encode()).digest()
    )


def refuse(request, why: str, **details) -> Response:
    log.warning("live: %s refused (%s) from %s %s", request.path, why, request.remote_addr, details or "")
    return HTTPForbidden(why)


def guard(request) -> Response | None:
    """A 403 for a callback that is not nginx-rtmp's (wrong address or secret), else None."""
    return None if trusted(request) else refuse(request, "untrusted callback")


def after_commit(request, function, *args) -> None:
    """Call ``function(*args)`` once the transaction committed (never when it rolled back)."""

    def call(committed: bool) -> None:
        if not committed:
            return
        try:
            function(*args)
        except Exception:
            log.exception("live: %s failed after the commit", getattr(function, "__name__", function))

    request.tm.get().addAfterCommitHook(call)


def locked_event(request, event_id: int) -> LiveEvent | None:
    """The event, its row held until the commit (two callbacks never interleave on one event)."""
    if not lock_rows(request.dbsession, LiveEvent, LiveEvent.id == event_id):
        return None
    return request.dbsession.scalar(
        select(LiveEvent).where(LiveEvent.id == event_id).execution_options(populate_existing=True)
    )


def resumable(request, event: LiveEvent, now: datetime) -> bool:
    """An ended broadcast whose stream came back within the grace period goes on as the same event."""
    grace = live_settings(request.registry, event.site)["resume_grace_seconds"]
    within = event.ended_at is not None and now - event.ended_at <= timedelta(seconds=grace)
    return event.state == "ended" and not event.closed and within


def audio_streams(event: LiveEvent) -> list[tuple[str, str, str]]:
    """``(stream, language, name)`` of the interpreters publishing now."""
    return [(keys.stream_name(event.id, a.language), a.language, a.name) for a in event.audios if a.publishing]


def start_packaging(registry, event_id: int, audio: list[tuple[str, str, str]]) -> None:
    from plugins.live import packaging

    packaging.start(registry, event_id, keys.stream_name(event_id), audio)


def stop_packaging(registry, event_id: int) -> None:
    from plugins.live import packaging

    packaging.stop(registry, event_id)


def admit_main(request, event: LiveEvent, now: datetime) -> str | None:
    """Admit the main stream (None) or say why not."""
    if event.state == "on_air":
        return "a publisher is already on air"
    if resumable(request, event, now):
        event.state = "on_air"
        return None
    if event.state != "scheduled" or not in_window(request.registry, event, now):
        return "out of the event's window"
    event.state, event.on_air_at = "on_air", event.on_air_at or now
    return None


def admit_audio(request, event: LiveEvent, audio: LiveAudio, now: datetime) -> str | None:
    if audio.publishing:
        return "an interpreter already publishes in this language"
    if (
        event.state != "on_air"
        and not resumable(request, event, now)
        and not (event.state == "scheduled" and in_window(request.registry, event, now))
    ):
        return "out of the event's window"
    audio.publishing = True
    return None


@view_config(route_name="live.rtmp.publish", request_method="POST", require_csrf=False)
def on_publish(request):
    refused = guard(request)
    if refused is not None:
        return refused
    parsed = keys.parse_key(request.registry.settings, request.POST.get("name", ""))
    if parsed is None:
        return refuse(request, "wrong or missing stream key")
    event = locked_event(request, parsed.event_id)
    if event is None or not event.site.has_plugin(NAME):
        return refuse(request, "no such event", event=parsed.event_id)
    audio = next((a for a in event.audios if a.id == parsed.audio_id), None)
    generation = audio.key_generation if audio is not None else event.key_generation
    if (parsed.audio_id and audio is None) or parsed.generation != generation:
        return refuse(request, "rotated stream key", event=event.id)
    now = utcnow()
    why = admit_audio(request, event, audio, now) if audio is not None else admit_main(request, event, now)
    if why is not None:
        return refuse(request, why, event=event.id)
    language = audio.language if audio is not None else ""
    stream = keys.stream_name(event.id, language)
    event.recordings.append(LiveRecording(language=language, stream=stream, started_at=now))
    request.dbsession.flush()
    if event.state == "on_air":
        after_commit(request, start_packaging, request.registry, event.id, audio_streams(event))
    log.info("live: event %s admits %s from %s", event.id, stream, request.POST.get("addr", ""))
    return Rename(stream)


def named_stream(request) -> tuple[LiveEvent, str] | None:
    """The locked event and language of a notification's stream (its new name, or still its key)."""
    name = request.POST.get("name", "")
    match = STREAM_NAME.match(name)
    if match is not None:
        event = locked_event(request, int(match.group(1)))
        return (event, match.group(2) or "") if event is not None else None
    parsed = keys.parse_key(request.registry.settings, name)
    event = locked_event(request, parsed.event_id) if parsed is not None else None
    if event is None:
        return None
    audio = next((a for a in event.audios if a.id == parsed.audio_id), None)
    return event, audio.language if audio is not None else ""


def close_recording(event: LiveEvent, language: str, now: datetime) -> None:
    open_ones = [r for r in event.recordings if r.language == language and r.ended_at is None]
    if open_ones:
        open_ones[-1].ended_at = now


@view_config(route_name="live.rtmp.publish_done", request_method="POST", require_csrf=False)
def on_publish_done(request):
    refused = guard(request)
    if refused is not None:
        return refused
    found = named_stream(request)
    if found is None:
        return refuse(request, "unknown stream", name=request.POST.get("name", "")[:80])
    event, language = found
    now = utcnow()
    close_recording(event, language, now)
    if language:
        for audio in event.audios:
            if audio.language == language:
                audio.publishing = False
        if event.state == "on_air":
            after_commit(request, start_packaging, request.registry, event.id, audio_streams(event))
    elif event.state == "on_air":
        event.state, event.ended_at = "ended", now
        after_commit(request, stop_packaging, request.registry, event.id)
        replay.check_soon(request, event)
    return Response("ok", content_type="text/plain")


@view_config(route_name="live.rtmp.record_done", request_method="POST", require_csrf=False)
def on_record_done(request):
    refused = guard(request)
    if refused is not None:
        return refused
    found = named_stream(request)
    path = request.POST.get("path", "")
    if found is None or not path:
        return refuse(request, "unknown recording", name=request.POST.get("name", "")[:80])
    event, language = found
    waiting = [r for r in event.recordings if r.language == language and not r.path]
    if waiting:
        waiting[0].path = path[:1000]
        if event.state == "ended" and not language:
            replay.check_soon(request, event)
    else:  # a recording without an admitted publish we know of: kept, never lost
        event.recordings.append(
            LiveRecording(
                language=language, stream=keys.stream_name(event.id, language), path=path[:1000], ended_at=utcnow()
            )
        )
    return Response("ok", content_type="text/plain")
