"""A client of the BigBlueButton API (and of Scalelite, which speaks the same API), with its webhooks API.

Every call is ``GET <base>/<callName>?<query>&checksum=<hex>`` where the checksum is the hex digest of
``callName + query + secret`` with the algorithm the server accepts (sha1, sha256, sha384 or sha512);
the webhooks API (``hooks/create``, ``hooks/list``, ``hooks/destroy``) follows the same rule with
``hooks/create`` etc. as call name. Every answer is XML ``<response><returncode>SUCCESS|FAILED</returncode>...``;
a ``FAILED`` answer becomes a :class:`BbbError` whose :attr:`~BbbError.words` tell a site admin what
went wrong. Every call has a timeout.

Build one from a server row with :func:`client_for`::

    client = client_for(server)
    client.create(meeting_id, name="Optics", record=True)
    url = client.join_url(meeting_id, "Ada", role="MODERATOR", user_id="12")
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from core.plugin_api import _

#: The checksum algorithms the BBB API allows.
ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")
ROLES = ("MODERATOR", "VIEWER")
#: Seconds to wait for an answer (connection and read) unless the caller says otherwise.
DEFAULT_TIMEOUT = 10.0


# --- errors -------------------------------------------------------------------------------------


class BbbError(Exception):
    """A call that did not succeed. ``key`` is BBB's ``messageKey`` (or ours), ``message`` the server's
    own text, ``words`` a translation string for a site admin."""

    words = _("The BigBlueButton server refused the request.")

    def __init__(self, key: str = "", message: str = ""):
        super().__init__(f"{key}: {message}" if key else message)
        self.key, self.message = key, message


class BbbUnreachable(BbbError):
    """No answer: the address is wrong, the server is down or did not answer in time."""

    words = _("The server could not be reached (wrong address, server down or a firewall in the way).")

    def __init__(self, message: str = "", timed_out: bool = False):
        super().__init__("unreachable", message)
        self.timed_out = timed_out
        if timed_out:
            self.words = _("The server did not answer in time.")


class BbbNotBbb(BbbError):
    """An answer that is not the documented XML: the address is not a BigBlueButton API."""

    words = _("The address answers, but not as a BigBlueButton server (check the URL: it ends with /bigbluebutton/).")


class BbbChecksumError(BbbError):
    """``checksumError``: wrong shared secret or checksum algorithm."""

    words = _("The server refused the checksum: the shared secret or the checksum algorithm is wrong.")


class BbbMeetingNotFound(BbbError):
    """``notFound`` / ``meetingNotFound``: no such meeting (or recording) on the server (not running)."""

    words = _("The server knows no such meeting (it is not running).")


class BbbInvalidMeetingId(BbbMeetingNotFound):
    """``invalidMeetingIdentifier``: the meeting ID matches no meeting on the server."""

    words = _("The meeting ID matches no meeting on the server.")


class BbbIdNotUnique(BbbError):
    """``idNotUnique``: a meeting with this ID already runs with other passwords."""

    words = _("A meeting with the same ID already runs on the server with other settings.")


class BbbRejected(BbbError):
    """Any other ``FAILED`` answer (its ``key`` says which)."""


FAILURES = {
    "checksumError": BbbChecksumError,
    "notFound": BbbMeetingNotFound,
    "meetingNotFound": BbbMeetingNotFound,
    "invalidMeetingIdentifier": BbbInvalidMeetingId,
    "idNotUnique": BbbIdNotUnique,
}


# --- answers ------------------------------------------------------------------------------------


@dataclass
class Attendee:
    user_id: str
    full_name: str
    role: str
    is_presenter: bool = False


@dataclass
class MeetingInfo:
    """What ``getMeetingInfo`` (or one entry of ``getMeetings``) says of a meeting."""

    meeting_id: str
    name: str
    internal_id: str
    running: bool
    participant_count: int
    moderator_count: int
    create_time: int
    attendees: list[Attendee] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class PlaybackFormat:
    type: str  # presentation, video, podcast, screenshare, notes...
    url: str
    length_minutes: int = 0


@dataclass
class Recording:
    """One entry of ``getRecordings``."""

    record_id: str
    meeting_id: str
    internal_meeting_id: str
    name: str
    state: str  # processing, processed, published, unpublished, deleted
    published: bool
    start_time: int  # milliseconds since the epoch
    end_time: int
    participants: int
    formats: list[PlaybackFormat] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    def format(self, kind: str) -> PlaybackFormat | None:
        return next((f for f in self.formats if f.type == kind), None)


@dataclass
class Hook:
    hook_id: str
    callback_url: str
    meeting_id: str = ""
    raw: bool = False


def _text(node: Element | None, name: str, default: str = "") -> str:
    found = node.find(name) if node is not None else None
    return (found.text or "").strip() if found is not None and found.text else default


def _int(node: Element | None, name: str) -> int:
    try:
        return int(_text(node, name, "0"))
    except ValueError:
        return 0


def _flag(node: Element | None, name: str) -> bool:
    return _text(node, name).lower() == "true"


def _metadata(node: Element | None) -> dict[str, str]:
    meta = node.find("metadata") if node is not None else None
    return {child.tag: (child.text or "").strip() for child in meta} if meta is not None else {}


def parse_meeting(node: Element) -> MeetingInfo:
    attendees = [
        Attendee(_text(a, "userID"), _text(a, "fullName"), _text(a, "role").upper(), _flag(a, "isPresenter"))
        for a in node.iterfind("attendees/attendee")
    ]
    return MeetingInfo(
        meeting_id=_text(node, "meetingID"),
        name=_text(node, "meetingName"),
        internal_id=_text(node, "internalMeetingID"),
        running=_flag(node, "running"),
        participant_count=_int(node, "participantCount"),
        moderator_count=_int(node, "moderatorCount"),
        create_time=_int(node, "createTime"),
        attendees=attendees,
        metadata=_metadata(node),
    )


def parse_recording(node: Element) -> Recording:
    formats = [
        PlaybackFormat(_text(f, "type"), _text(f, "url"), _int(f, "length")) for f in node.iterfind("playback/format")
    ]
    return Recording(
        record_id=_text(node, "recordID"),
        meeting_id=_text(node, "meetingID"),
        internal_meeting_id=_text(node, "internalMeetingID"),
        name=_text(node, "name"),
        state=_text(node, "state"),
        published=_flag(node, "published"),
        start_time=_int(node, "startTime"),
        end_time=_int(node, "endTime"),
        participants=_int(node, "participants"),
        formats=formats,
        metadata=_metadata(node),
    )


# --- the client ---------------------------------------------------------------------------------


def api_base(url: str) -> str:
    """The API's base URL (ending in ``/api/``) from what an admin types: ``https://host/bigbluebutton/``,
    ``https://host/bigbluebutton/api`` or just ``https://host``."""
    base = url.strip().rstrip("/")
    if base.endswith("/api"):
        return base + "/"
    if not base.endswith("/bigbluebutton"):
        base += "/bigbluebutton"
    return base + "/api/"


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    """``hexdigest(call + query + secret)`` with ``algorithm`` (one of :data:`ALGORITHMS`)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return hashlib.new(algorithm, (call + query + secret).encode("utf-8")).hexdigest()


def _params(params: dict) -> dict[str, str]:
    """Drop the ``None`` values; booleans as BBB writes them."""
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in params.items()
        if value is not None
    }


class BbbClient:
    """The calls Amphi makes on one BigBlueButton server (or Scalelite).

    :param url: the server's address as its admin gives it (see :func:`api_base`).
    :param secret: the shared secret (``bbb-conf --secret``); never shown to anyone.
    :param algorithm: the checksum algorithm, one of :data:`ALGORITHMS`.
    :param timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str, secret: str, algorithm: str = "sha1", timeout: float = DEFAULT_TIMEOUT):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")
        self.base, self.secret, self.algorithm, self.timeout = api_base(url), secret, algorithm, timeout

    # -- plumbing

    def url(self, call: str, **params) -> str:
        """The signed URL of ``call`` with ``params`` (``None`` values left out)."""
        query = urlencode(_params(params))
        signed = checksum(call, query, self.secret, self.algorithm)
        return f"{self.base}{call}?{query}{'&' if query else ''}checksum={signed}"

    def call(self, call: str, **params) -> Element:
        """Send ``call`` and return the ``<response>`` element of a ``SUCCESS`` answer (else raise)."""
        try:
            answer = requests.get(self.url(call, **params), timeout=self.timeout, allow_redirects=False)
        except requests.Timeout as exc:
            raise BbbUnreachable(str(exc), timed_out=True) from None
        except requests.RequestException as exc:
            raise BbbUnreachable(str(exc)) from None
        return self._read(answer)

    def _read(self, answer: requests.Response) -> Element:
        try:
            root = ElementTree.fromstring(answer.content)
        except (ElementTree.ParseError, DefusedXmlException, ValueError):
            raise BbbNotBbb("", f"HTTP {answer.status_code}, not XML") from None
        code = _text(root, "returncode")
        if root.tag != "response" or code not in ("SUCCESS", "FAILED"):
            raise BbbNotBbb("", f"HTTP {answer.status_code}, XML without a returncode")
        if code == "FAILED":
            key, message = _text(root, "messageKey"), _text(root, "message")
            raise FAILURES.get(key, BbbRejected)(key, message)
        return root

    # -- meetings

    def get_meetings(self) -> list[MeetingInfo]:
        """Every meeting on the server (also the "test connection" call)."""
        return [parse_meeting(node) for node in self.call("getMeetings").iterfind("meetings/meeting")]

    def create(self, meeting_id: str, name: str, **options) -> tuple[MeetingInfo, bool]:
        """Create the meeting, or find it already created: ``(info, created)``.

        Idempotent: BBB answers ``SUCCESS`` with ``duplicateWarning`` for a meeting that exists with the
        same passwords (``created`` is then False). ``options`` are BBB's own parameter names
        (``welcome``, ``record``, ``maxParticipants``, ``guestPolicy``, ``logoutURL``,
        ``moderatorPW``, ``attendeePW``, ``meta_<name>``...).
        """
        root = self.call("create", meetingID=meeting_id, name=name, **options)
        info = MeetingInfo(
            meeting_id=_text(root, "meetingID") or meeting_id,
            name=name,
            internal_id=_text(root, "internalMeetingID"),
            running=False,
            participant_count=0,
            moderator_count=0,
            create_time=_int(root, "createTime"),
        )
        return info, _text(root, "messageKey") != "duplicateWarning"

    def join_url(
        self,
        meeting_id: str,
        full_name: str,
        role: str,
        user_id: str | None = None,
        password: str | None = None,
        guest: bool = False,
        **options,
    ) -> str:
        """The URL that puts a person into the meeting (the browser follows it; nothing is sent here).

        ``role`` (``MODERATOR`` or ``VIEWER``) is what BBB 2.4+ reads; ``password`` (the meeting's
        moderator or attendee password) is what older servers read, so pass the one matching the role.
        ``guest=True`` makes the person a guest, subject to the meeting's guest policy (waiting room).
        """
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        return self.url(
            "join",
            meetingID=meeting_id,
            fullName=full_name,
            role=role,
            password=password,
            userID=user_id,
            guest=True if guest else None,
            **options,
        )

    def end(self, meeting_id: str) -> None:
        self.call("end", meetingID=meeting_id)

    def meeting_info(self, meeting_id: str) -> MeetingInfo:
        """``getMeetingInfo``; :class:`BbbMeetingNotFound` when the meeting is not on the server."""
        return parse_meeting(self.call("getMeetingInfo", meetingID=meeting_id))

    def is_running(self, meeting_id: str) -> bool:
        return _flag(self.call("isMeetingRunning", meetingID=meeting_id), "running")

    def send_chat_message(self, meeting_id: str, message: str, user_name: str | None = None) -> None:
        """Post ``message`` (1 to 500 characters) into the meeting's public chat (BBB 3.0)."""
        self.call("sendChatMessage", meetingID=meeting_id, message=message, userName=user_name)

    # -- recordings

    def get_recordings(
        self, meeting_ids: list[str] | None = None, record_ids: list[str] | None = None, states: str | None = None
    ) -> list[Recording]:
        """``getRecordings`` for some meetings and/or recordings (``states``: e.g. ``published,unpublished``)."""
        root = self.call(
            "getRecordings",
            meetingID=",".join(meeting_ids) if meeting_ids else None,
            recordID=",".join(record_ids) if record_ids else None,
            state=states,
        )
        return [parse_recording(node) for node in root.iterfind("recordings/recording")]

    def publish_recordings(self, record_ids: list[str], publish: bool) -> bool:
        return _flag(self.call("publishRecordings", recordID=",".join(record_ids), publish=publish), "published")

    def delete_recordings(self, record_ids: list[str]) -> bool:
        return _flag(self.call("deleteRecordings", recordID=",".join(record_ids)), "deleted")

    def update_recordings(self, record_ids: list[str], meta: dict[str, str]) -> bool:
        """Change the recordings' metadata (``meta`` without the ``meta_`` prefix)."""
        params = {f"meta_{key}": value for key, value in meta.items()}
        return _flag(self.call("updateRecordings", recordID=",".join(record_ids), **params), "updated")

    # -- webhooks (bbb-webhooks)

    def create_hook(self, callback_url: str, meeting_id: str | None = None, raw: bool = False) -> str:
        """Register ``callback_url`` for the server's events (all meetings unless ``meeting_id``): the hook id.

        A second registration of the same URL answers the first one's id (``duplicateWarning``).
        """
        root = self.call("hooks/create", callbackURL=callback_url, meetingID=meeting_id, getRaw=raw or None)
        return _text(root, "hookID")

    def list_hooks(self) -> list[Hook]:
        return [
            Hook(_text(h, "hookID"), _text(h, "callbackURL"), _text(h, "meetingID"), _flag(h, "rawData"))
            for h in self.call("hooks/list").iterfind("hooks/hook")
        ]

    def destroy_hook(self, hook_id: str) -> bool:
        return _flag(self.call("hooks/destroy", hookID=hook_id), "removed")


def client_for(server, timeout: float = DEFAULT_TIMEOUT) -> BbbClient:
    """The client of a :class:`plugin_bbb.models.BbbServer` row."""
    return BbbClient(server.url, server.secret, server.checksum_algorithm, timeout=timeout)


__all__ = [
    "ALGORITHMS",
    "ROLES",
    "Attendee",
    "BbbChecksumError",
    "BbbClient",
    "BbbError",
    "BbbIdNotUnique",
    "BbbInvalidMeetingId",
    "BbbMeetingNotFound",
    "BbbNotBbb",
    "BbbRejected",
    "BbbUnreachable",
    "Hook",
    "MeetingInfo",
    "PlaybackFormat",
    "Recording",
    "api_base",
    "checksum",
    "client_for",
]
