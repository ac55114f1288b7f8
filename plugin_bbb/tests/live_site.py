"""A committed site served over HTTP with a meeting running on the fake server: for the broadcast tests whose
work happens after commits (tasks, the chat's hook, webhooks), as it does in production."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests

from core.models import SiteDomain, User, utcnow
from core.plugin_api import create_user, worker_request
from core.testing import http_sign_in
from plugin_bbb.broadcast_models import BbbBroadcast
from plugin_bbb.client import client_for
from plugin_bbb.hooks import register_hook
from plugin_bbb.models import BbbMeeting, BbbServer
from plugin_bbb.testing import serving_wsgi
from plugins.chat.models import ChatMessage, ChatRoom
from plugins.live import api as live_api

OWNER_PASSWORD = "owner password 1"  # core.testing's committed_site
PASSWORD = "bbb test password 1"


@dataclass
class LiveBbb:
    """The committed site: its ids, its address, the fake server and the meeting running on it."""

    base: str
    site_id: int
    owner_id: int
    student_id: int
    server_id: int
    meeting_row: int
    meeting_id: str
    fake: object

    @contextmanager
    def request(self):
        with worker_request(self.site_id) as request:
            yield request

    def sign_in(self, username: str) -> dict:
        return http_sign_in(self.base, username, OWNER_PASSWORD if username == "owner" else PASSWORD)

    def broadcast(self, mode: str = "capture", **fields) -> BbbBroadcast:
        """A broadcast on air into a new event (held by a worker, so nothing stops it on its own)."""
        with self.request() as request:
            owner = request.dbsession.get(User, self.owner_id)
            event = live_api.create_event(request, [owner], "Optics", ends_at=utcnow() + timedelta(hours=1))
            values = {"state": "on_air", "attempts": 1, "lease_owner": "a worker", **fields}
            values.setdefault("lease_expires_at", utcnow() + timedelta(minutes=10))
            broadcast = BbbBroadcast(
                site_id=self.site_id, meeting_id=self.meeting_row, event_id=event.id, mode=mode, **values
            )
            request.dbsession.add(broadcast)
            request.dbsession.flush()
            request.dbsession.expunge(broadcast)
        return broadcast

    def room_messages(self, event_id: int) -> list[ChatMessage]:
        with self.request() as request:
            room = (
                request.dbsession.query(ChatRoom)
                .filter_by(site_id=self.site_id, room=f"event-{event_id}")
                .one_or_none()
            )
            if room is None:
                return []
            rows = request.dbsession.query(ChatMessage).filter_by(room_id=room.id).order_by(ChatMessage.id).all()
            for row in rows:
                request.dbsession.expunge(row)
            return rows


@pytest.fixture
def live_bbb(app, committed_site, fake_bbb):
    """A committed site (every plugin on) served over HTTP on 127.0.0.1, its server the fake (hook registered), and a
    meeting of ``owner`` running there with the owner in it; ``student`` (Sam <Student>) may watch."""
    site_id, owner_id = committed_site
    with worker_request(site_id) as request:
        # The loopback address is the site's: nginx, the fake server and the tests' clients all use it.
        request.site.domains.append(SiteDomain(domain="127.0.0.1"))
        student = create_user(request, "student", role="user", password=PASSWORD, display_name="Sam <Student>")
        student_id = student.id
    with serving_wsgi(app) as base:
        with worker_request(site_id) as request:
            site = request.site
            site.plugin_settings = {**(site.plugin_settings or {}), "bbb": {"site_url": base}}
            server = BbbServer(site_id=site_id, name="Fake", url=fake_bbb.url, secret=fake_bbb.secret)
            request.dbsession.add(server)
            request.dbsession.flush()
            meeting = BbbMeeting(site_id=site_id, server_id=server.id, name="Optics <live>", always_open=True)
            meeting.owners = [request.dbsession.get(User, owner_id)]
            meeting.attendees_mode = "signed-in"
            request.dbsession.add(meeting)
            request.dbsession.flush()
            client = client_for(server)
            register_hook(request, server, client)
            ids = (server.id, meeting.id, meeting.meeting_id, meeting.attendee_password, meeting.moderator_password)
        client.create(ids[2], "Optics <live>", attendeePW=ids[3], moderatorPW=ids[4])
        requests.get(client.join_url(ids[2], "Owner", "MODERATOR", user_id=str(owner_id)), timeout=5)
        fake_bbb.outbox.clear()
        yield LiveBbb(base, site_id, owner_id, student_id, ids[0], ids[1], ids[2], fake_bbb)
