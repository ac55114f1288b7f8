"""A meeting's ``.ics`` file (made with icalendar): one event, repeating weekly when the meeting does."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from plugin_bbb.models import BbbMeeting


def meeting_calendar(meeting: BbbMeeting, link: str, domain: str, zone: str) -> bytes:
    """The calendar of ``meeting``; ``link`` is where one joins it (its page or invitation link).

    Times are written in the site's time ``zone`` (with its VTIMEZONE), so that a weekly meeting repeats at
    the same time of day across a change of clocks, in calendars as in :func:`~plugin_bbb.meetings.occurrences`.
    """
    import icalendar  # ~3 MB, for the few who download a calendar: not in every serving process

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Amphi//BigBlueButton meetings//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"bbb-meeting-{meeting.id}@{domain}")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(ZoneInfo(zone)))
    event.add("dtend", meeting.ends_at.astimezone(ZoneInfo(zone)))
    event.add("summary", meeting.name)
    event.add("description", "\n\n".join(part for part in (meeting.description, link) if part))
    event.add("url", link)
    event.add("location", link)
    if meeting.repeat == "weekly" and meeting.repeat_until:
        until = datetime.combine(meeting.repeat_until, time(23, 59, 59), tzinfo=UTC)
        event.add("rrule", {"freq": "weekly", "until": until})
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
