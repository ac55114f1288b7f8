"""The servers' webhooks (bbb-webhooks): registering Amphi's callback, checking and reading what comes.

Amphi registers one hook per server (``hooks/create``) whose callback URL carries the server's
``webhook_token``. bbb-webhooks POSTs form fields ``domain``, ``event`` (a JSON array of events) and
``timestamp``, and appends ``checksum=hexdigest(callbackURL + body + secret)`` to the URL. (Its other
mode, the secret as a bearer token, is not accepted: Amphi reads bearer tokens as its own API tokens.)
An event is ``{"data": {"id": "meeting-created",
"attributes": {"meeting": {"external-meeting-id": ...}, ...}, "event": {"ts": ...}}}``.

What each event does is in :data:`EVENT_HANDLERS`; other parts of the plugin add theirs with
:func:`on_event`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from plugin_bbb.client import BbbClient, BbbError
from plugin_bbb.meetings import site_base_url
from plugin_bbb.models import BbbMeeting, BbbServer, BbbWebhook
from plugin_bbb.recordings import recordings_ready

log = logging.getLogger(__name__)
DIGESTS = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
#: ``event id -> [handler(request, server, meeting, event)]``; ``meeting`` is None for another's meeting.
EVENT_HANDLERS: dict[str, list[Callable]] = {}
#: Events that say a recording is published (bbb-webhooks sends one per playback format).
RECORDING_EVENTS = ("rap-publish-ended", "rap-post-publish-ended")


def on_event(*event_ids: str):
    """Decorator: call the function for these webhook events (``handler(request, server, meeting, event)``)."""

    def register(handler: Callable) -> Callable:
        for event_id in event_ids:
            EVENT_HANDLERS.setdefault(event_id, []).append(handler)
        return handler

    return register


def callback_url(request, server: BbbServer, from_request: bool = True) -> str:
    """The URL a server posts its events to (it carries the server's webhook token)."""
    path = request.route_path("bbb.hook", server_id=server.id, token=server.webhook_token)
    return site_base_url(request, from_request) + path


# --- registering --------------------------------------------------------------------------------


def ensure_hook(client: BbbClient, url: str, previous_url: str = "") -> tuple[str, bool]:
    """Make sure the server has a hook for ``url``: ``(hook id, created)``; a hook Amphi registered
    before at ``previous_url`` (the site's address changed) is removed. Talks to the server only."""
    hooks = client.list_hooks()
    for stale in (h for h in hooks if previous_url and previous_url != url and h.callback_url == previous_url):
        client.destroy_hook(stale.hook_id)
    found = next((h for h in hooks if h.callback_url == url), None)
    if found is not None:
        return found.hook_id, False
    return client.create_hook(url), True


def save_hook(request, server: BbbServer, hook_id: str, url: str) -> BbbWebhook:
    """Remember the hook registered on ``server`` (one per server)."""
    row = request.dbsession.scalar(select(BbbWebhook).where(BbbWebhook.server_id == server.id))
    if row is None:
        row = BbbWebhook(server_id=server.id, hook_id=hook_id, callback_url=url)
        request.dbsession.add(row)
    row.hook_id, row.callback_url, row.checked_at = hook_id, url, datetime.now(UTC)
    return row


def registered_url(request, server: BbbServer) -> str:
    """The callback URL of the hook Amphi last registered on ``server`` ("" if none)."""
    return request.dbsession.scalar(select(BbbWebhook.callback_url).where(BbbWebhook.server_id == server.id)) or ""


def register_hook(request, server: BbbServer, client: BbbClient) -> tuple[str, bool]:
    """Register (or find) Amphi's hook on ``server`` and remember it; raises :class:`BbbError`.

    The URL is the one the reconciliation uses (``amphi.bbb.site_url``, else the site's first domain),
    so both keep one hook."""
    url = callback_url(request, server, from_request=False)
    hook_id, created = ensure_hook(client, url, registered_url(request, server))
    save_hook(request, server, hook_id, url)
    return hook_id, created


# --- receiving ----------------------------------------------------------------------------------


def signed_by_server(server: BbbServer, registered_url: str, body: bytes, checksum: str) -> bool:
    """The POST comes from ``server``: its checksum over ``registered_url + body + secret`` (any of BBB's
    algorithms, told by the digest's length)."""
    algorithm = DIGESTS.get(len(checksum))
    if algorithm is None:
        return False
    expected = hashlib.new(algorithm, registered_url.encode() + body + server.secret.encode()).hexdigest()
    return hmac.compare_digest(expected, checksum.lower())


def parse_events(text: str) -> list[dict]:
    """The events of a POST's ``event`` field (``ValueError`` when it is not what bbb-webhooks sends)."""
    events = json.loads(text)
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ValueError("event is not a list of objects")
    return [e.get("data", e) for e in events]


def event_meeting_id(event: dict) -> str:
    meeting = (event.get("attributes") or {}).get("meeting") or {}
    return str(meeting.get("external-meeting-id") or "")


def event_moment(event: dict) -> datetime:
    try:
        return datetime.fromtimestamp(int((event.get("event") or {}).get("ts")) / 1000, UTC)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def handle_events(request, server: BbbServer, events: list[dict]) -> int:
    """Run each event's handlers; returns how many events were handled."""
    handled = 0
    for event in events:
        handlers = EVENT_HANDLERS.get(str(event.get("id", "")), [])
        if not handlers:
            continue
        meeting = request.dbsession.scalar(
            select(BbbMeeting).where(
                BbbMeeting.site_id == server.site_id, BbbMeeting.meeting_id == event_meeting_id(event)
            )
        )
        for handler in handlers:
            handler(request, server, meeting, event)
        handled += 1
    return handled


@on_event("meeting-created")
def meeting_created(request, server, meeting, event) -> None:
    if meeting is not None:
        meeting.last_started_at = event_moment(event)


@on_event("meeting-ended")
def meeting_ended(request, server, meeting, event) -> None:
    if meeting is not None:
        meeting.last_ended_at = event_moment(event)


@on_event(*RECORDING_EVENTS)
def recording_published(request, server, meeting, event) -> None:
    attributes = event.get("attributes") or {}
    record_id = str(attributes.get("record-id") or "")
    if meeting is None or not record_id or attributes.get("success") is False:
        return
    row, _ = recordings_ready(request, server, meeting, record_id, source="webhook")
    workflow = str(attributes.get("workflow") or "")
    if workflow and workflow not in (row.formats or []):
        row.formats = sorted({*(row.formats or []), workflow})


__all__ = [
    "EVENT_HANDLERS",
    "BbbError",
    "callback_url",
    "ensure_hook",
    "handle_events",
    "on_event",
    "parse_events",
    "register_hook",
    "registered_url",
    "save_hook",
    "signed_by_server",
]
