"""The schedule calendar an Opencast capture agent polls (``/recordings/calendars``), made with icalendar.

Each event carries, as Opencast's scheduler does, a Dublin Core episode catalog and the
``org.opencastproject.capture.agent.properties`` attachment (pyCA reads the workflow
definition from it and refuses an event without it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from sqlalchemy import select

from core.models import utcnow
from plugin_recorder.models import Recorder, RecorderEvent

if TYPE_CHECKING:  # icalendar (~3 MB) is imported when an agent asks its calendar, not by every serving process
    import icalendar

WORKFLOW = "amphi-recorder"
PROPERTIES_NAME = "org.opencastproject.capture.agent.properties"
DC_NAMESPACE = "http://www.opencastproject.org/xsd/1.0/dublincore/"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def episode_catalog(event: RecorderEvent) -> str:
    """The event's Dublin Core episode catalog, as Opencast attaches it."""
    owner = event.owner.name if event.owner is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<dublincore xmlns="{DC_NAMESPACE}" xmlns:dcterms="http://purl.org/dc/terms/">'
        f"<dcterms:identifier>{escape(event.uid)}</dcterms:identifier>"
        f"<dcterms:title>{escape(event.title)}</dcterms:title>"
        f"<dcterms:creator>{escape(owner)}</dcterms:creator>"
        f"<dcterms:spatial>{escape(event.recorder.name)}</dcterms:spatial>"
        f"<dcterms:temporal>start={iso(event.start)}; end={iso(event.end)}; scheme=W3C-DTF;</dcterms:temporal>"
        "</dublincore>"
    )


def agent_properties(event: RecorderEvent) -> str:
    lines = [
        f"event.title={event.title}",
        f"event.location={event.recorder.name}",
        f"org.opencastproject.workflow.definition={WORKFLOW}",
        f"org.opencastproject.workflow.config.amphiEvent={event.uid}",
    ]
    return "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines) + "\n"


def upcoming_events(dbsession, recorder: Recorder, cutoff: datetime | None = None) -> list[RecorderEvent]:
    """The recorder's events that have not ended, up to ``cutoff`` (their start)."""
    query = select(RecorderEvent).where(RecorderEvent.recorder_id == recorder.id, RecorderEvent.end > utcnow())
    if cutoff is not None:
        query = query.where(RecorderEvent.start <= cutoff)
    return list(dbsession.scalars(query.order_by(RecorderEvent.start)))


def agent_calendar(dbsession, recorder: Recorder, cutoff: datetime | None = None) -> bytes:
    """The iCalendar (CRLF lines, folded) of the recorder's upcoming events."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Amphi//Recorder schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for event in upcoming_events(dbsession, recorder, cutoff):
        calendar.add_component(calendar_event(event))
    return calendar.to_ical()


def calendar_event(event: RecorderEvent) -> icalendar.Event:
    import icalendar

    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.start)
    item.add("dtend", event.end)
    item.add("summary", event.title)
    item.add("location", event.room or event.recorder.name)
    item.add(
        "attach",
        episode_catalog(event),
        parameters={
            "FMTTYPE": "application/xml",
            "VALUE": "BINARY",
            "ENCODING": "BASE64",
            "X-APPLE-FILENAME": "episode.xml",
        },
    )
    item.add(
        "attach",
        agent_properties(event),
        parameters={
            "FMTTYPE": "application/text",
            "VALUE": "BINARY",
            "ENCODING": "BASE64",
            "X-APPLE-FILENAME": PROPERTIES_NAME,
        },
    )
    return item
