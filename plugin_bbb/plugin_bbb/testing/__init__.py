"""A fake BigBlueButton server for tests, written from the BBB API and bbb-webhooks documentation.

:class:`FakeBbb` is a WSGI application served in a thread on a free loopback port (:func:`serving`, or
the ``fake_bbb`` pytest fixture). It verifies every call's checksum (``hexdigest(call + query + secret)``
with the algorithms it is configured to accept), answers the documented XML of ``getMeetings``,
``create``, ``join``, ``end``, ``getMeetingInfo``, ``isMeetingRunning``, ``getRecordings``,
``publishRecordings``, ``deleteRecordings``, ``updateRecordings``, ``sendChatMessage`` and the webhooks
API (``hooks/create``, ``hooks/list``, ``hooks/destroy``), with the documented failures
(``checksumError``, ``notFound``, ``meetingNotFound``, ``invalidMeetingIdentifier``, ``idNotUnique``,
``validationError``...). Its state is plain Python to inspect: ``meetings`` (with their attendees,
waiting guests, chat and ``params``), ``ended``, ``recordings``, ``hooks``, ``calls``.

What a real server sends on its own (webhook events, the recording-ready callback) is queued in
``outbox`` as :class:`Delivery` objects, signed as BBB signs them, and sent only when a test says so:
``deliver()`` posts them over HTTP, ``deliver(post)`` hands them to ``post(delivery)`` (a WebTest app,
for example). Events are queued on create (``meeting-created``), join (``user-joined``), end
(``user-left``, ``meeting-ended``), chat (``chat-group-message-sent``) and
:meth:`FakeBbb.recording_ready` (``rap-publish-ended`` and the ``meta_bbb-recording-ready-url`` JWT).

Recordings are seeded with :meth:`FakeBbb.add_recording`; their playback URLs are served by the fake:
``video`` a real MP4 (H.264/AAC; its URL is the file, or with ``video_layout = "page"`` BigBlueButton's
own playback page with ``video-0.m4v`` next to it), ``podcast`` an Ogg Vorbis file, ``presentation`` an
HTML page that plays a moving picture with sound for the recording's duration. That page waits, as
BigBlueButton's playback does, for its play button (``.vjs-big-play-button``, or
``window.amphiPlayback.play()``), shows the elapsed seconds, and when the duration has passed sets
``window.amphiPlayback.state = "ended"``, ``document.title = "ended"`` and ``data-state="ended"`` on
``<body>``: what a capture worker waits for. Only a published recording's files are served (BBB moves an
unpublished one's away), and none of a recording with ``files_missing`` set (404).

A ``join`` sends the browser to the fake's "client" (``/html5client/join``): a page saying who joined, with
the meeting as a moving picture and a tone from its load on, which a streamer films in place of the
HTML5 client. :class:`FakeGateway` (the ``fake_gateway`` fixture) fakes a SIPMediaGW gateway.

``behaviour`` makes it misbehave: ``"timeout"`` (answers after ``delay`` seconds), ``"garbage"`` (an
HTML page), ``"other-xml"`` (XML that is not a BBB answer), ``"http-error"`` (502).
``accepts_role=False`` makes it an older server (before 2.4) that picks the role by password only.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from plugin_bbb.testing.fake import FakeBbb
from plugin_bbb.testing.gateway import FakeGateway, GatewayCall
from plugin_bbb.testing.media import media_bytes, presentation_page, video_page
from plugin_bbb.testing.state import Call, Delivery, FakeAttendee, FakeHook, FakeMeeting, FakeRecording


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # the tests' output stays readable
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving_wsgi(app):
    """Serve the WSGI ``app`` on a free loopback port until the block ends; yields its base URL."""
    server = make_server("127.0.0.1", _free_port(), app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serving(fake: FakeBbb | None = None):
    """Serve ``fake`` (a new :class:`FakeBbb` by default) on a free loopback port until the block ends."""
    fake = fake or FakeBbb()
    with serving_wsgi(fake) as base:
        fake.url = f"{base}/bigbluebutton/"
        yield fake


@contextmanager
def serving_gateway(fake: FakeGateway | None = None):
    """Serve ``fake`` (a new :class:`FakeGateway` by default) on a free loopback port until the block ends."""
    fake = fake or FakeGateway()
    with serving_wsgi(fake) as base:
        fake.url = base
        try:
            yield fake
        finally:
            fake.close()


@pytest.fixture
def fake_gateway(fake_bbb):
    """A :class:`FakeGateway` served on a free loopback port for one test, saying its chat messages in
    ``fake_bbb`` (``fake_gateway.url``, ``.token``)."""
    with serving_gateway(FakeGateway(bbb=fake_bbb)) as fake:
        yield fake


@pytest.fixture
def fake_bbb():
    """A :class:`FakeBbb` served on a free loopback port for one test (``fake_bbb.url``, ``.secret``)."""
    with serving() as fake:
        yield fake


__all__ = [
    "Call",
    "Delivery",
    "FakeAttendee",
    "FakeBbb",
    "FakeGateway",
    "FakeHook",
    "FakeMeeting",
    "FakeRecording",
    "GatewayCall",
    "fake_bbb",
    "fake_gateway",
    "media_bytes",
    "presentation_page",
    "serving",
    "video_page",
    "serving_gateway",
    "serving_wsgi",
]
