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
``video`` a real MP4 (H.264/AAC), ``podcast`` an Ogg Vorbis file, ``presentation`` an HTML page that
plays a moving picture with sound for the recording's duration. That page starts by itself on load (a
browser needs ``--autoplay-policy=no-user-gesture-required`` for the sound), shows the elapsed seconds,
and when the duration has passed sets ``window.amphiPlayback.state = "ended"``, ``document.title =
"ended"`` and ``data-state="ended"`` on ``<body>``: what a capture worker waits for.

``behaviour`` makes it misbehave: ``"timeout"`` (answers after ``delay`` seconds), ``"garbage"`` (an
HTML page), ``"other-xml"`` (XML that is not a BBB answer), ``"http-error"`` (502).
``accepts_role=False`` makes it an older server (before 2.4) that picks the role by password only.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

import jwt
import pytest
import requests

ALGORITHMS_BY_LENGTH = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
PUBLIC_CHAT = "MAIN-PUBLIC-GROUP-CHAT"
NOT_RUNNING = "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"


@dataclass
class FakeAttendee:
    user_id: str
    full_name: str
    role: str
    guest: bool = False
    internal_id: str = field(default_factory=lambda: "w_" + secrets.token_hex(6))


@dataclass
class FakeMeeting:
    meeting_id: str
    name: str
    attendee_pw: str
    moderator_pw: str
    params: dict
    internal_id: str
    create_time: int
    attendees: list[FakeAttendee] = field(default_factory=list)
    waiting: list[FakeAttendee] = field(default_factory=list)
    chat: list[dict] = field(default_factory=list)
    #: Every create call received for it (duplicates included).
    create_calls: int = 1
    start_time: int = 0

    @property
    def metadata(self) -> dict:
        return {key[5:].lower(): value for key, value in self.params.items() if key.startswith("meta_")}

    @property
    def running(self) -> bool:
        return bool(self.attendees)


@dataclass
class FakeRecording:
    record_id: str
    meeting_id: str
    internal_meeting_id: str
    name: str
    formats: tuple[str, ...]
    duration: float
    metadata: dict
    published: bool = True
    state: str = "published"
    start_time: int = field(default_factory=lambda: int(time.time() * 1000) - 60000)


@dataclass
class FakeHook:
    hook_id: str
    callback_url: str
    meeting_id: str = ""
    raw: bool = False


@dataclass
class Call:
    call: str
    params: dict
    checksum_ok: bool


@dataclass
class Delivery:
    """A POST the server would send: a webhook event or the recording-ready callback."""

    kind: str  # "webhook" or "recording-ready"
    url: str
    body: bytes
    headers: dict

    @property
    def path(self) -> str:
        """The URL's path and query (what a WebTest app is given)."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def events(self) -> list[dict]:
        """The webhook events this delivery carries (``[]`` for the recording-ready callback)."""
        form = dict(parse_qsl(self.body.decode()))
        return json.loads(form["event"]) if "event" in form else []


def _xml(*parts: str) -> str:
    return "<response>" + "".join(parts) + "</response>"


def _tag(name: str, value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def _ok(*parts: str) -> str:
    return _xml(_tag("returncode", "SUCCESS"), *parts)


def _failed(key: str, message: str) -> str:
    return _xml(_tag("returncode", "FAILED"), _tag("messageKey", key), _tag("message", message))


class FakeBbb:
    """The fake server's state and WSGI application (see the module's documentation)."""

    def __init__(
        self, secret: str = "fake-bbb-shared-secret-0123456789abcdef", algorithms: Iterable[str] = ("sha256",)
    ):
        self.secret = secret
        self.algorithms = set(algorithms)
        self.hooks_algorithm = "sha1"  # what bbb-webhooks signs its POSTs with
        self.behaviour = "normal"
        self.delay = 3.0
        self.accepts_role = True
        self.supports_chat = True
        self.domain = "bbb.test"
        self.url = ""  # http://127.0.0.1:<port>/bigbluebutton/ once served
        self.meetings: dict[str, FakeMeeting] = {}
        self.ended: list[FakeMeeting] = []
        self.recordings: dict[str, FakeRecording] = {}
        self.hooks: dict[str, FakeHook] = {}
        self.calls: list[Call] = []
        self.outbox: list[Delivery] = []
        self.joined_pages: dict[str, FakeAttendee] = {}
        self._lock = threading.RLock()
        self._hook_ids = iter(range(1, 1_000_000))

    # --- what tests call -------------------------------------------------------------------

    def calls_of(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.call == name]

    def meeting(self, meeting_id: str) -> FakeMeeting:
        return self.meetings[meeting_id]

    def add_recording(
        self,
        meeting_id: str,
        formats: Iterable[str] = ("presentation",),
        duration: float = 3.0,
        name: str | None = None,
        record_id: str | None = None,
        published: bool = True,
    ) -> FakeRecording:
        """A recording of a meeting (running, ended or never seen: its metadata is taken when known)."""
        known = self.meetings.get(meeting_id) or next(
            (m for m in reversed(self.ended) if m.meeting_id == meeting_id), None
        )
        internal = known.internal_id if known else hashlib.sha1(meeting_id.encode()).hexdigest() + "-1700000000000"
        recording = FakeRecording(
            record_id=record_id or internal,
            meeting_id=meeting_id,
            internal_meeting_id=internal,
            name=name or (known.name if known else meeting_id),
            formats=tuple(formats),
            duration=float(duration),
            metadata=dict(known.metadata) if known else {},
            published=published,
            state="published" if published else "unpublished",
        )
        with self._lock:
            self.recordings[recording.record_id] = recording
        return recording

    def recording_ready(self, recording: FakeRecording, callback: bool = True, webhook: bool = True) -> None:
        """Queue what BBB sends when a recording is published: the JWT callback to the meeting's
        ``meta_bbb-recording-ready-url`` and a ``rap-publish-ended`` event per format to the hooks."""
        url = recording.metadata.get("bbb-recording-ready-url")
        if callback and url:
            self.outbox.append(self.recording_ready_delivery(url, recording.meeting_id, recording.record_id))
        if webhook:
            for kind in recording.formats:
                self.fire(
                    "rap-publish-ended",
                    recording.meeting_id,
                    internal_id=recording.internal_meeting_id,
                    extra={
                        "record-id": recording.record_id,
                        "success": True,
                        "step-time": 1000,
                        "workflow": kind,
                        "recording": {"name": recording.name, "metadata": recording.metadata},
                    },
                )

    def recording_ready_delivery(
        self, url: str, meeting_id: str, record_id: str, secret: str | None = None, claims: dict | None = None
    ) -> Delivery:
        """The recording-ready POST (form field ``signed_parameters``: an HS256 JWT of
        ``{"meeting_id", "record_id"}`` signed with the shared secret, or ``secret`` to forge one)."""
        payload = {"meeting_id": meeting_id, "record_id": record_id, **(claims or {})}
        with warnings.catch_warnings():  # a forged token's guessed secret may be short
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            token = jwt.encode(payload, secret if secret is not None else self.secret, algorithm="HS256")
        body = urlencode({"signed_parameters": token}).encode()
        return Delivery("recording-ready", url, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def fire(self, event_id: str, meeting_id: str, internal_id: str = "", extra: dict | None = None) -> None:
        """Queue webhook event ``event_id`` of meeting ``meeting_id`` for every hook that listens to it."""
        meeting = self.meetings.get(meeting_id)
        attributes = {
            "meeting": {
                "internal-meeting-id": internal_id or (meeting.internal_id if meeting else ""),
                "external-meeting-id": meeting_id,
            },
            **(extra or {}),
        }
        event = {"data": {"type": "event", "id": event_id, "attributes": attributes, "event": {"ts": _now_ms()}}}
        for hook in list(self.hooks.values()):
            if not hook.meeting_id or hook.meeting_id == meeting_id:
                self.outbox.append(self._webhook_delivery(hook.callback_url, event))

    def _webhook_delivery(self, callback_url: str, event: dict) -> Delivery:
        body = urlencode({"domain": self.domain, "event": "[" + json.dumps(event) + "]", "timestamp": _now_ms()})
        digest = hashlib.new(self.hooks_algorithm, (callback_url + body + self.secret).encode()).hexdigest()
        url = callback_url + ("&" if "?" in callback_url else "?") + f"checksum={digest}"
        return Delivery("webhook", url, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def say(self, meeting_id: str, name: str, message: str) -> None:
        """A participant writes ``message`` in the meeting's public chat."""
        meeting = self.meetings[meeting_id]
        sender = next((a for a in meeting.attendees if a.full_name == name), None)
        entry = {"id": f"{_now_ms()}-{secrets.token_hex(4)}", "message": message, "name": name, "time": _now_ms()}
        meeting.chat.append(entry)
        self.fire(
            "chat-group-message-sent",
            meeting_id,
            extra={
                "chat-message": {
                    "id": entry["id"],
                    "message": message,
                    "sender": {
                        "internal-user-id": sender.internal_id if sender else "w_api",
                        "name": name,
                        "time": entry["time"],
                    },
                },
                "chat-id": PUBLIC_CHAT,
            },
        )

    def deliver(self, post: Callable[[Delivery], object] | None = None) -> list:
        """Send what waits in ``outbox`` (over HTTP, or to ``post``); returns each answer."""
        with self._lock:
            waiting, self.outbox = self.outbox, []
        send = post or (lambda d: requests.post(d.url, data=d.body, headers=d.headers, timeout=10))
        return [send(delivery) for delivery in waiting]

    # --- the WSGI application --------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/bigbluebutton/api"):
            status, content_type, body, headers = self._api(path[len("/bigbluebutton/api") :].strip("/"), environ)
        else:
            status, content_type, body, headers = self._files(path, environ)
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers])
        return [body]

    def _api(self, call: str, environ):
        if self.behaviour == "timeout":
            time.sleep(self.delay)
        elif self.behaviour == "garbage":
            return "200 OK", "text/html", b"<html><body><h1>It works!</h1></body></html>", []
        elif self.behaviour == "other-xml":
            return "200 OK", "text/xml", b"<?xml version='1.0'?><rss><channel/></rss>", []
        elif self.behaviour == "http-error":
            return "502 Bad Gateway", "text/html", b"<html><body>Bad gateway</body></html>", []
        query = environ.get("QUERY_STRING", "")
        if not call:
            return self._xml(_ok(_tag("version", "2.0"), _tag("apiVersion", "2.0"), _tag("bbbVersion", "3.0.0")))
        handler = CALLS.get(call)
        if handler is None or (call == "sendChatMessage" and not self.supports_chat):
            return "404 Not Found", "text/html", b"<html><body>HTTP Status 404 - Not Found</body></html>", []
        params, ok = self._verify(call, query)
        with self._lock:
            self.calls.append(Call(call, params, ok))
            if not ok:
                return self._xml(_failed("checksumError", "You did not pass the checksum security check"))
            return handler(self, params)

    def _verify(self, call: str, query: str) -> tuple[dict, bool]:
        """The call's parameters, and whether its checksum is right (the query less its checksum)."""
        parts = query.split("&") if query else []
        given = next((p[len("checksum=") :] for p in parts if p.startswith("checksum=")), "")
        signed = "&".join(p for p in parts if not p.startswith("checksum="))
        params = dict(parse_qsl(signed, keep_blank_values=True))
        algorithm = ALGORITHMS_BY_LENGTH.get(len(given))
        if algorithm not in self.algorithms:
            return params, False
        expected = hashlib.new(algorithm, (call + signed + self.secret).encode("utf-8")).hexdigest()
        return params, secrets.compare_digest(expected, given.lower())

    def _xml(self, text: str, status: str = "200 OK"):
        return status, "text/xml; charset=utf-8", text.encode("utf-8"), []

    # --- playback files and the client's landing page

    def _files(self, path: str, environ):
        parts = path.strip("/").split("/")
        if parts[:3] == ["playback", "presentation", "2.3"] and len(parts) == 4:
            recording = self.recordings.get(parts[3])
            if recording and "presentation" in recording.formats:
                return "200 OK", "text/html; charset=utf-8", presentation_page(recording).encode(), []
        if parts[:2] == ["playback", "video"] and len(parts) == 4 and parts[3] == "video-0.m4v":
            recording = self.recordings.get(parts[2])
            if recording and "video" in recording.formats:
                return "200 OK", "video/mp4", media_bytes("video", recording.duration), []
        if parts[:1] == ["podcast"] and len(parts) == 3 and parts[2] == "audio.ogg":
            recording = self.recordings.get(parts[1])
            if recording and "podcast" in recording.formats:
                return "200 OK", "audio/ogg", media_bytes("podcast", recording.duration), []
        if path == "/html5client/join":
            token = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("sessionToken", "")
            person = self.joined_pages.get(token)
            if person is not None:
                return "200 OK", "text/html; charset=utf-8", joined_page(person).encode(), []
        return "404 Not Found", "text/plain", b"not found", []

    def playback_url(self, recording: FakeRecording, kind: str) -> str:
        root = self.url.rsplit("/bigbluebutton/", 1)[0]
        return {
            "presentation": f"{root}/playback/presentation/2.3/{recording.record_id}",
            "video": f"{root}/playback/video/{recording.record_id}/video-0.m4v",
            "podcast": f"{root}/podcast/{recording.record_id}/audio.ogg",
        }.get(kind, f"{root}/playback/{kind}/{recording.record_id}/")


# --- the calls -----------------------------------------------------------------------------------


def _meeting_xml(meeting: FakeMeeting) -> str:
    attendees = "".join(
        "<attendee>"
        + _tag("userID", a.user_id)
        + _tag("fullName", a.full_name)
        + _tag("role", a.role)
        + _tag("isPresenter", False)
        + _tag("isListeningOnly", False)
        + _tag("hasJoinedVoice", False)
        + _tag("hasVideo", False)
        + _tag("clientType", "HTML5")
        + "</attendee>"
        for a in meeting.attendees
    )
    metadata = "".join(_tag(key, value) for key, value in meeting.metadata.items())
    return (
        _tag("meetingName", meeting.name)
        + _tag("meetingID", meeting.meeting_id)
        + _tag("internalMeetingID", meeting.internal_id)
        + _tag("createTime", meeting.create_time)
        + _tag("voiceBridge", "70066")
        + _tag("attendeePW", meeting.attendee_pw)
        + _tag("moderatorPW", meeting.moderator_pw)
        + _tag("running", meeting.running)
        + _tag("duration", 0)
        + _tag("hasUserJoined", meeting.start_time > 0)
        + _tag("recording", meeting.params.get("record") == "true")
        + _tag("hasBeenForciblyEnded", False)
        + _tag("startTime", meeting.start_time)
        + _tag("endTime", 0)
        + _tag("participantCount", len(meeting.attendees))
        + _tag("listenerCount", 0)
        + _tag("voiceParticipantCount", 0)
        + _tag("videoCount", 0)
        + _tag("maxUsers", meeting.params.get("maxParticipants", "0"))
        + _tag("moderatorCount", sum(1 for a in meeting.attendees if a.role == "MODERATOR"))
        + f"<attendees>{attendees}</attendees>"
        + f"<metadata>{metadata}</metadata>"
        + _tag("isBreakout", False)
    )


def _missing_meeting_id(params: dict):
    if not params.get("meetingID", "").strip():
        return _failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
    return None


def call_get_meetings(fake: FakeBbb, params: dict):
    if not fake.meetings:
        return fake._xml(
            _ok(
                "<meetings/>",
                _tag("messageKey", "noMeetings"),
                _tag("message", "no meetings were found on this server"),
            )
        )
    meetings = "".join(f"<meeting>{_meeting_xml(m)}</meeting>" for m in fake.meetings.values())
    return fake._xml(_ok(f"<meetings>{meetings}</meetings>"))


def call_create(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    meeting_id = params["meetingID"]
    if "," in meeting_id or not 2 <= len(meeting_id) <= 256:
        return fake._xml(_failed("validationError", "Meeting ID must be 2 to 256 characters long, without ','"))
    existing = fake.meetings.get(meeting_id)
    if existing is not None:
        same = all(
            params.get(key) in (None, stored)
            for key, stored in (("attendeePW", existing.attendee_pw), ("moderatorPW", existing.moderator_pw))
        )
        if not same:
            return fake._xml(
                _failed(
                    "idNotUnique", "A meeting already exists with that meeting ID.  Please use a different meeting ID."
                )
            )
        existing.create_calls += 1
        return fake._xml(
            _ok(
                _created_xml(existing),
                _tag("messageKey", "duplicateWarning"),
                _tag("message", "This conference was already in existence and may currently be in progress."),
            )
        )
    created = _now_ms()
    meeting = FakeMeeting(
        meeting_id=meeting_id,
        name=params.get("name", meeting_id),
        attendee_pw=params.get("attendeePW") or secrets.token_hex(4),
        moderator_pw=params.get("moderatorPW") or secrets.token_hex(4),
        params=dict(params),
        internal_id=f"{hashlib.sha1(meeting_id.encode()).hexdigest()}-{created}",
        create_time=created,
    )
    fake.meetings[meeting_id] = meeting
    fake.fire("meeting-created", meeting_id, extra={"meeting": _created_event(meeting)})
    return fake._xml(_ok(_created_xml(meeting), _tag("messageKey", ""), _tag("message", "")))


def _created_xml(meeting: FakeMeeting) -> str:
    return (
        _tag("meetingID", meeting.meeting_id)
        + _tag("internalMeetingID", meeting.internal_id)
        + _tag("parentMeetingID", "bbb-none")
        + _tag("attendeePW", meeting.attendee_pw)
        + _tag("moderatorPW", meeting.moderator_pw)
        + _tag("createTime", meeting.create_time)
        + _tag("voiceBridge", "70066")
        + _tag("dialNumber", "613-555-1234")
        + _tag("hasUserJoined", meeting.start_time > 0)
        + _tag("duration", 0)
        + _tag("hasBeenForciblyEnded", False)
    )


def _created_event(meeting: FakeMeeting) -> dict:
    return {
        "internal-meeting-id": meeting.internal_id,
        "external-meeting-id": meeting.meeting_id,
        "name": meeting.name,
        "is-breakout": False,
        "create-time": meeting.create_time,
        "record": meeting.params.get("record") == "true",
        "max-users": int(meeting.params.get("maxParticipants", "0") or 0),
        "metadata": meeting.metadata,
    }


def call_join(fake: FakeBbb, params: dict):
    if not params.get("fullName", "").strip():
        return fake._xml(
            _failed("missingParamFullName", "You must specify a name for the attendee who will be joining the meeting.")
        )
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake._xml(
            _failed("invalidMeetingIdentifier", "The meeting ID that you supplied did not match any existing meetings")
        )
    role = _join_role(fake, meeting, params)
    if role is None:
        return fake._xml(
            _failed(
                "invalidPassword",
                "You either did not supply a password or the password supplied is neither the attendee or moderator "
                "password for this conference.",
            )
        )
    limit = int(meeting.params.get("maxParticipants", "0") or 0)
    if limit and len(meeting.attendees) >= limit:
        return fake._xml(
            _failed("maxParticipantsReached", "The number of participants allowed for this meeting has been reached.")
        )
    guest = params.get("guest") == "true"
    person = FakeAttendee(params.get("userID") or "", params["fullName"].strip(), role, guest)
    person.user_id = person.user_id or person.internal_id
    waits = guest and role != "MODERATOR" and meeting.params.get("guestPolicy") == "ASK_MODERATOR"
    (meeting.waiting if waits else meeting.attendees).append(person)
    if not waits:
        meeting.start_time = meeting.start_time or _now_ms()
        fake.fire(
            "user-joined",
            meeting.meeting_id,
            extra={
                "user": {
                    "internal-user-id": person.internal_id,
                    "external-user-id": person.user_id,
                    "name": person.full_name,
                    "role": role,
                    "presenter": "false",
                }
            },
        )
    token = secrets.token_hex(8)
    fake.joined_pages[token] = person
    landing = fake.url.rsplit("/bigbluebutton/", 1)[0] + f"/html5client/join?sessionToken={token}"
    if params.get("redirect") == "false":
        return fake._xml(
            _ok(
                _tag("messageKey", "successfullyJoined"),
                _tag("message", "You have joined successfully."),
                _tag("meeting_id", meeting.internal_id),
                _tag("user_id", person.internal_id),
                _tag("auth_token", secrets.token_hex(6)),
                _tag("session_token", token),
                _tag("guestStatus", "WAIT" if waits else "ALLOW"),
                _tag("url", landing),
            )
        )
    return "302 Found", "text/plain", b"", [("Location", landing)]


def _join_role(fake: FakeBbb, meeting: FakeMeeting, params: dict) -> str | None:
    role = params.get("role", "").upper()
    if fake.accepts_role and role in ("MODERATOR", "VIEWER"):
        return role
    password = params.get("password", "")
    if password and password == meeting.moderator_pw:
        return "MODERATOR"
    if password and password == meeting.attendee_pw:
        return "VIEWER"
    return None


def call_end(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    meeting = fake.meetings.pop(params["meetingID"], None)
    if meeting is None:
        return fake._xml(_failed("notFound", NOT_RUNNING))
    for person in meeting.attendees:
        fake.fire(
            "user-left",
            meeting.meeting_id,
            internal_id=meeting.internal_id,
            extra={"user": {"internal-user-id": person.internal_id, "external-user-id": person.user_id}},
        )
    fake.fire("meeting-ended", meeting.meeting_id, internal_id=meeting.internal_id)
    fake.ended.append(meeting)
    return fake._xml(
        _ok(
            _tag("messageKey", "sentEndMeetingRequest"),
            _tag(
                "message",
                "A request to end the meeting was sent.  Please wait a few seconds, and then use the "
                "getMeetingInfo or isMeetingRunning API calls to verify that it was ended.",
            ),
        )
    )


def call_get_meeting_info(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake._xml(_failed("notFound", NOT_RUNNING))
    return fake._xml(_ok(_meeting_xml(meeting)))


def call_is_meeting_running(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    meeting = fake.meetings.get(params["meetingID"])
    return fake._xml(_ok(_tag("running", bool(meeting and meeting.running))))


def _recording_xml(fake: FakeBbb, recording: FakeRecording) -> str:
    formats = "".join(
        "<format>"
        + _tag("type", kind)
        + _tag("url", fake.playback_url(recording, kind))
        + _tag("processingTime", 1000)
        + _tag("length", max(1, round(recording.duration / 60)))
        + _tag("size", 1000)
        + "</format>"
        for kind in recording.formats
    )
    metadata = "".join(
        _tag(key, value) for key, value in {**recording.metadata, "meetingId": recording.meeting_id}.items()
    )
    return (
        "<recording>"
        + _tag("recordID", recording.record_id)
        + _tag("meetingID", recording.meeting_id)
        + _tag("internalMeetingID", recording.internal_meeting_id)
        + _tag("name", recording.name)
        + _tag("isBreakout", False)
        + _tag("published", recording.published)
        + _tag("state", recording.state)
        + _tag("startTime", recording.start_time)
        + _tag("endTime", recording.start_time + int(recording.duration * 1000))
        + _tag("participants", 2)
        + _tag("rawSize", 1000)
        + f"<metadata>{metadata}</metadata>"
        + _tag("size", 1000)
        + f"<playback>{formats}</playback>"
        + "<data/>"
        + "</recording>"
    )


def call_get_recordings(fake: FakeBbb, params: dict):
    meeting_ids = {m for m in params.get("meetingID", "").split(",") if m}
    record_ids = {r for r in params.get("recordID", "").split(",") if r}
    states = {s for s in params.get("state", "published,unpublished").split(",") if s}
    found = [
        r
        for r in fake.recordings.values()
        if (not meeting_ids or r.meeting_id in meeting_ids)
        and (not record_ids or r.record_id in record_ids)
        and ("any" in states or r.state in states)
    ]
    if not found:
        return fake._xml(
            _ok(
                "<recordings></recordings>",
                _tag("messageKey", "noRecordings"),
                _tag("message", "There are no recordings for the meeting(s)."),
            )
        )
    return fake._xml(_ok("<recordings>" + "".join(_recording_xml(fake, r) for r in found) + "</recordings>"))


def _recordings_of(fake: FakeBbb, params: dict):
    record_ids = [r for r in params.get("recordID", "").split(",") if r]
    if not record_ids:
        return None, _failed("missingParamRecordID", "You must specify a recordID.")
    found = [fake.recordings[r] for r in record_ids if r in fake.recordings and fake.recordings[r].state != "deleted"]
    if not found:
        return None, _failed("notFound", "We could not find recordings")
    return found, None


def call_publish_recordings(fake: FakeBbb, params: dict):
    if params.get("publish") not in ("true", "false"):
        return fake._xml(_failed("missingParamPublish", "You must specify a publish value true or false."))
    found, error = _recordings_of(fake, params)
    if error:
        return fake._xml(error)
    for recording in found:
        recording.published = params["publish"] == "true"
        recording.state = "published" if recording.published else "unpublished"
    return fake._xml(_ok(_tag("published", params["publish"] == "true")))


def call_delete_recordings(fake: FakeBbb, params: dict):
    found, error = _recordings_of(fake, params)
    if error:
        return fake._xml(error)
    for recording in found:
        recording.state, recording.published = "deleted", False
    return fake._xml(_ok(_tag("deleted", True)))


def call_update_recordings(fake: FakeBbb, params: dict):
    found, error = _recordings_of(fake, params)
    if error:
        return fake._xml(error)
    meta = {key[5:].lower(): value for key, value in params.items() if key.startswith("meta_")}
    for recording in found:
        recording.metadata.update(meta)
    return fake._xml(_ok(_tag("updated", True)))


def call_send_chat_message(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake._xml(missing)
    message = params.get("message", "")
    if not 1 <= len(message) <= 500 or len(params.get("userName", "")) > 255:
        return fake._xml(_failed("validationError", "The message must be 1 to 500 characters long."))
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake._xml(_failed("meetingNotFound", "A meeting with that ID does not exist"))
    fake.say(meeting.meeting_id, params.get("userName") or "System", message)
    return fake._xml(_ok(_tag("messageKey", ""), _tag("message", "")))


def call_hooks_create(fake: FakeBbb, params: dict):
    url = params.get("callbackURL")
    if not url:
        return fake._xml(_failed("missingParamCallbackURL", "You must specify a callbackURL in the parameters."))
    existing = next((h for h in fake.hooks.values() if h.callback_url == url), None)
    if existing is not None:
        return fake._xml(
            _ok(
                _tag("hookID", existing.hook_id),
                _tag("messageKey", "duplicateWarning"),
                _tag("message", "There is already a hook for this callback URL."),
            )
        )
    hook = FakeHook(str(next(fake._hook_ids)), url, params.get("meetingID", ""), params.get("getRaw") == "true")
    fake.hooks[hook.hook_id] = hook
    return fake._xml(_ok(_tag("hookID", hook.hook_id), _tag("permanentHook", False), _tag("rawData", hook.raw)))


def call_hooks_list(fake: FakeBbb, params: dict):
    wanted = params.get("meetingID")
    hooks = "".join(
        "<hook>"
        + _tag("hookID", h.hook_id)
        + f"<callbackURL><![CDATA[{h.callback_url}]]></callbackURL>"
        + (f"<meetingID><![CDATA[{h.meeting_id}]]></meetingID>" if h.meeting_id else "")
        + _tag("permanentHook", False)
        + _tag("rawData", h.raw)
        + "</hook>"
        for h in fake.hooks.values()
        if wanted is None or not h.meeting_id or h.meeting_id == wanted
    )
    return fake._xml(_ok(f"<hooks>{hooks}</hooks>"))


def call_hooks_destroy(fake: FakeBbb, params: dict):
    hook_id = params.get("hookID")
    if not hook_id:
        return fake._xml(_failed("missingParamHookID", "You must specify a hookID in the parameters."))
    if fake.hooks.pop(hook_id, None) is None:
        return fake._xml(_failed("destroyMissingHook", "The hook informed was not found."))
    return fake._xml(_ok(_tag("removed", True)))


CALLS = {
    "getMeetings": call_get_meetings,
    "create": call_create,
    "join": call_join,
    "end": call_end,
    "getMeetingInfo": call_get_meeting_info,
    "isMeetingRunning": call_is_meeting_running,
    "getRecordings": call_get_recordings,
    "publishRecordings": call_publish_recordings,
    "deleteRecordings": call_delete_recordings,
    "updateRecordings": call_update_recordings,
    "sendChatMessage": call_send_chat_message,
    "hooks/create": call_hooks_create,
    "hooks/list": call_hooks_list,
    "hooks/destroy": call_hooks_destroy,
}


# --- pages and media ------------------------------------------------------------------------------


def joined_page(person: FakeAttendee) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake BigBlueButton</title></head><body>'
        f'<main><h1>In the meeting</h1><p id="who">{html.escape(person.full_name)} ({person.role})</p>'
        f'<p id="guest">{"guest" if person.guest else "member"}</p></main></body></html>'
    )


def presentation_page(recording: FakeRecording) -> str:
    """A playback page with a moving picture and a sound for ``recording.duration`` seconds."""
    return PRESENTATION_PAGE.replace("__DURATION__", json.dumps(recording.duration)).replace(
        "__NAME__", html.escape(recording.name)
    )


PRESENTATION_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>__NAME__</title>
<style>html,body{margin:0;background:#102030;color:#fff;font:20px sans-serif;overflow:hidden}
canvas{display:block;width:100vw;height:100vh}</style></head>
<body data-state="loading"><canvas id="screen" width="640" height="360" aria-label="Playback"></canvas>
<script>
const duration = __DURATION__;
window.amphiPlayback = {duration: duration, state: "loading", elapsed: 0};
const ctx = document.getElementById("screen").getContext("2d");
let start = null;
function sound() {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator(), gain = audio.createGain();
    gain.gain.value = 0.2;
    tone.frequency.setValueAtTime(440, audio.currentTime);
    tone.frequency.linearRampToValueAtTime(880, audio.currentTime + duration);
    tone.connect(gain).connect(audio.destination);
    tone.start(); tone.stop(audio.currentTime + duration);
    audio.resume();
  } catch (error) { console.log("no sound: " + error); }
}
function frame(now) {
  if (start === null) start = now;
  const elapsed = Math.min((now - start) / 1000, duration);
  window.amphiPlayback.elapsed = elapsed;
  ctx.fillStyle = "#102030"; ctx.fillRect(0, 0, 640, 360);
  ctx.fillStyle = "hsl(" + Math.round(elapsed * 90) % 360 + ",80%,55%)";
  ctx.fillRect(20 + (elapsed / duration) * 520, 130, 100, 100);
  ctx.fillStyle = "#fff"; ctx.fillText(elapsed.toFixed(1) + " s", 20, 40);
  if (elapsed < duration) { requestAnimationFrame(frame); return; }
  window.amphiPlayback.state = "ended"; document.title = "ended"; document.body.dataset.state = "ended";
}
window.addEventListener("load", function () {
  ctx.font = "28px sans-serif";
  window.amphiPlayback.state = "playing"; document.body.dataset.state = "playing";
  sound(); requestAnimationFrame(frame);
});
</script></body></html>
"""

_MEDIA: dict[tuple[str, float], bytes] = {}
_MEDIA_LOCK = threading.Lock()


def media_bytes(kind: str, duration: float) -> bytes:
    """A real ``video`` (MP4, 320x240, H.264 and AAC) or ``podcast`` (Ogg Vorbis) of ``duration`` seconds,
    made once per process with ffmpeg."""
    key = (kind, round(duration, 2))
    with _MEDIA_LOCK:
        if key not in _MEDIA:
            _MEDIA[key] = _make_media(kind, duration)
        return _MEDIA[key]


def _make_media(kind: str, duration: float) -> bytes:
    folder = tempfile.mkdtemp(prefix="fake-bbb-")
    try:
        if kind == "video":
            path = os.path.join(folder, "video.mp4")
            inputs = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=440"]
            codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
            codecs += ["-movflags", "+faststart"]
        else:
            path = os.path.join(folder, "audio.ogg")
            inputs, codecs = ["-f", "lavfi", "-i", "sine=frequency=330"], ["-c:a", "libvorbis"]
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", *inputs, "-t", str(duration), *codecs, path],
            check=True,
            timeout=60,
        )
        with open(path, "rb") as file:
            return file.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _now_ms() -> int:
    return int(time.time() * 1000)


# --- serving ----------------------------------------------------------------------------------------


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
def serving(fake: FakeBbb | None = None):
    """Serve ``fake`` (a new :class:`FakeBbb` by default) on a free loopback port until the block ends."""
    fake = fake or FakeBbb()
    server = make_server("127.0.0.1", _free_port(), fake, server_class=_ThreadingServer, handler_class=_QuietHandler)
    fake.url = f"http://127.0.0.1:{server.server_port}/bigbluebutton/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
    "FakeHook",
    "FakeMeeting",
    "FakeRecording",
    "fake_bbb",
    "media_bytes",
    "presentation_page",
    "serving",
]
