"""The fake server: its state, what tests call on it, and its WSGI application."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

import jwt
import requests

from plugin_bbb.testing.calls import CALLS, PUBLIC_CHAT, failed, ok, tag
from plugin_bbb.testing.media import joined_page, media_bytes, presentation_page, video_page
from plugin_bbb.testing.state import Call, Delivery, FakeAttendee, FakeHook, FakeMeeting, FakeRecording, now_ms

ALGORITHMS_BY_LENGTH = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}


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
        #: What the ``video`` format's URL is: the file itself (``"file"``), or BigBlueButton's own layout
        #: (``"page"``): a playback page ``/playback/video/<id>/`` with ``video-0.m4v`` next to it.
        self.video_layout = "file"
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
        event = {"data": {"type": "event", "id": event_id, "attributes": attributes, "event": {"ts": now_ms()}}}
        for hook in list(self.hooks.values()):
            if not hook.meeting_id or hook.meeting_id == meeting_id:
                self.outbox.append(self._webhook_delivery(hook.callback_url, event))

    def _webhook_delivery(self, callback_url: str, event: dict) -> Delivery:
        body = urlencode({"domain": self.domain, "event": "[" + json.dumps(event) + "]", "timestamp": now_ms()})
        digest = hashlib.new(self.hooks_algorithm, (callback_url + body + self.secret).encode()).hexdigest()
        url = callback_url + ("&" if "?" in callback_url else "?") + f"checksum={digest}"
        return Delivery("webhook", url, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"})

    def say(self, meeting_id: str, name: str, message: str) -> None:
        """A participant writes ``message`` in the meeting's public chat."""
        meeting = self.meetings[meeting_id]
        sender = next((a for a in meeting.attendees if a.full_name == name), None)
        entry = {"id": f"{now_ms()}-{secrets.token_hex(4)}", "message": message, "name": name, "time": now_ms()}
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
            return self.answer(ok(tag("version", "2.0"), tag("apiVersion", "2.0"), tag("bbbVersion", "3.0.0")))
        handler = CALLS.get(call)
        if handler is None or (call == "sendChatMessage" and not self.supports_chat):
            return "404 Not Found", "text/html", b"<html><body>HTTP Status 404 - Not Found</body></html>", []
        params, signed = self._verify(call, query)
        with self._lock:
            self.calls.append(Call(call, params, signed))
            if not signed:
                return self.answer(failed("checksumError", "You did not pass the checksum security check"))
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

    def answer(self, text: str, status: str = "200 OK"):
        return status, "text/xml; charset=utf-8", text.encode("utf-8"), []

    # --- playback files and the client's landing page

    def _served(self, record_id: str, kind: str) -> FakeRecording | None:
        """The recording whose ``kind`` playback is on the web server: published, files in place (BBB
        moves an unpublished recording's files out of the web server's reach)."""
        recording = self.recordings.get(record_id)
        if recording is None or kind not in recording.formats or recording.files_missing:
            return None
        return recording if recording.state == "published" else None

    def _files(self, path: str, environ):
        parts = path.strip("/").split("/")
        if parts[:3] == ["playback", "presentation", "2.3"] and len(parts) == 4:
            recording = self._served(parts[3], "presentation")
            if recording:
                return "200 OK", "text/html; charset=utf-8", presentation_page(recording).encode(), []
        if parts[:2] == ["playback", "video"] and len(parts) in (3, 4):
            recording = self._served(parts[2], "video")
            if recording and parts[3:] == ["video-0.m4v"]:
                return "200 OK", "video/mp4", media_bytes("video", recording.duration), []
            if recording and len(parts) == 3:
                return "200 OK", "text/html; charset=utf-8", video_page(recording).encode(), []
        if parts[:1] == ["podcast"] and len(parts) == 3 and parts[2] == "audio.ogg":
            recording = self._served(parts[1], "podcast")
            if recording:
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
            "video": f"{root}/playback/video/{recording.record_id}/"
            + ("video-0.m4v" if self.video_layout == "file" else ""),
            "podcast": f"{root}/podcast/{recording.record_id}/audio.ogg",
        }.get(kind, f"{root}/playback/{kind}/{recording.record_id}/")
