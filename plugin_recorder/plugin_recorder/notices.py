"""What the schedule and the mails say of a recording from which no video arrived."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.plugin_api import _
from plugin_recorder.models import RECORDING_ERROR_STATES, STATE_LABELS, RecorderEvent


def grace_of(settings: dict) -> timedelta:
    return timedelta(minutes=max(0, settings["missing_after_minutes"]))


def waits_for_video(event: RecorderEvent) -> bool:
    """Whether a video should still come from ``event`` (none linked, the agent never said it arrived)."""
    return (
        event.video_id is None
        and event.state != "upload_finished"
        and event.recorder is not None
        and event.recorder.type == "opencast"
    )


def no_video_notice(event: RecorderEvent, now: datetime, grace: timedelta):
    """What the schedule says of an event from which no video arrived (a translation string), or None."""
    if not waits_for_video(event):
        return None
    if event.state in RECORDING_ERROR_STATES:
        return _("No video arrived: the capture agent reported ${state}.", mapping={"state": event.state})
    if event.end + grace > now:
        return None
    if event.state:
        return _(
            "No video arrived after the recording ended (last state reported: ${state}).",
            mapping={"state": event.state},
        )
    return _("No video arrived after the recording ended; the capture agent reported nothing.")


def notice_text(localizer, notice) -> str:
    """A notice of :func:`no_video_notice` in ``localizer``'s language, the state it names included."""
    if notice is None:
        return ""
    state = (notice.mapping or {}).get("state")
    if state in STATE_LABELS:
        notice = notice % {"state": localizer.translate(STATE_LABELS[state])}
    return localizer.translate(notice)
