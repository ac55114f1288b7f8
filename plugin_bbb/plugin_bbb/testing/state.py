"""The fake server's state: its meetings, attendees, recordings, hooks, the calls it got and what it would POST."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit


def now_ms() -> int:
    return int(time.time() * 1000)


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
    #: Its playback files are gone from the server's disk: every one of them answers 404.
    files_missing: bool = False


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
