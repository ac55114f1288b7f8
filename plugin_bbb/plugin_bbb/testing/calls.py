"""The fake server's API calls: each answers the XML the BBB API documentation gives (``fake`` is the
:class:`~plugin_bbb.testing.fake.FakeBbb` called)."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from plugin_bbb.testing.state import FakeAttendee, FakeHook, FakeMeeting, FakeRecording, now_ms

if TYPE_CHECKING:
    from plugin_bbb.testing.fake import FakeBbb

PUBLIC_CHAT = "MAIN-PUBLIC-GROUP-CHAT"
NOT_RUNNING = "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"


def response(*parts: str) -> str:
    return "<response>" + "".join(parts) + "</response>"


def tag(name: str, value) -> str:
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def ok(*parts: str) -> str:
    return response(tag("returncode", "SUCCESS"), *parts)


def failed(key: str, message: str) -> str:
    return response(tag("returncode", "FAILED"), tag("messageKey", key), tag("message", message))


def _meeting_xml(meeting: FakeMeeting) -> str:
    attendees = "".join(
        "<attendee>"
        + tag("userID", a.user_id)
        + tag("fullName", a.full_name)
        + tag("role", a.role)
        + tag("isPresenter", False)
        + tag("isListeningOnly", False)
        + tag("hasJoinedVoice", False)
        + tag("hasVideo", False)
        + tag("clientType", "HTML5")
        + "</attendee>"
        for a in meeting.attendees
    )
    metadata = "".join(tag(key, value) for key, value in meeting.metadata.items())
    return (
        tag("meetingName", meeting.name)
        + tag("meetingID", meeting.meeting_id)
        + tag("internalMeetingID", meeting.internal_id)
        + tag("createTime", meeting.create_time)
        + tag("voiceBridge", "70066")
        + tag("attendeePW", meeting.attendee_pw)
        + tag("moderatorPW", meeting.moderator_pw)
        + tag("running", meeting.running)
        + tag("duration", 0)
        + tag("hasUserJoined", meeting.start_time > 0)
        + tag("recording", meeting.params.get("record") == "true")
        + tag("hasBeenForciblyEnded", False)
        + tag("startTime", meeting.start_time)
        + tag("endTime", 0)
        + tag("participantCount", len(meeting.attendees))
        + tag("listenerCount", 0)
        + tag("voiceParticipantCount", 0)
        + tag("videoCount", 0)
        + tag("maxUsers", meeting.params.get("maxParticipants", "0"))
        + tag("moderatorCount", sum(1 for a in meeting.attendees if a.role == "MODERATOR"))
        + f"<attendees>{attendees}</attendees>"
        + f"<metadata>{metadata}</metadata>"
        + tag("isBreakout", False)
    )


def _missing_meeting_id(params: dict):
    if not params.get("meetingID", "").strip():
        return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
    return None


def call_get_meetings(fake: FakeBbb, params: dict):
    if not fake.meetings:
        return fake.answer(
            ok(
                "<meetings/>",
                tag("messageKey", "noMeetings"),
                tag("message", "no meetings were found on this server"),
            )
        )
    meetings = "".join(f"<meeting>{_meeting_xml(m)}</meeting>" for m in fake.meetings.values())
    return fake.answer(ok(f"<meetings>{meetings}</meetings>"))


def call_create(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake.answer(missing)
    meeting_id = params["meetingID"]
    if "," in meeting_id or not 2 <= len(meeting_id) <= 256:
        return fake.answer(failed("validationError", "Meeting ID must be 2 to 256 characters long, without ','"))
    existing = fake.meetings.get(meeting_id)
    if existing is not None:
        same = all(
            params.get(key) in (None, stored)
            for key, stored in (("attendeePW", existing.attendee_pw), ("moderatorPW", existing.moderator_pw))
        )
        if not same:
            return fake.answer(
                failed(
                    "idNotUnique", "A meeting already exists with that meeting ID.  Please use a different meeting ID."
                )
            )
        existing.create_calls += 1
        return fake.answer(
            ok(
                _created_xml(existing),
                tag("messageKey", "duplicateWarning"),
                tag("message", "This conference was already in existence and may currently be in progress."),
            )
        )
    created = now_ms()
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
    return fake.answer(ok(_created_xml(meeting), tag("messageKey", ""), tag("message", "")))


def _created_xml(meeting: FakeMeeting) -> str:
    return (
        tag("meetingID", meeting.meeting_id)
        + tag("internalMeetingID", meeting.internal_id)
        + tag("parentMeetingID", "bbb-none")
        + tag("attendeePW", meeting.attendee_pw)
        + tag("moderatorPW", meeting.moderator_pw)
        + tag("createTime", meeting.create_time)
        + tag("voiceBridge", "70066")
        + tag("dialNumber", "613-555-1234")
        + tag("hasUserJoined", meeting.start_time > 0)
        + tag("duration", 0)
        + tag("hasBeenForciblyEnded", False)
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
        return fake.answer(
            failed("missingParamFullName", "You must specify a name for the attendee who will be joining the meeting.")
        )
    missing = _missing_meeting_id(params)
    if missing:
        return fake.answer(missing)
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake.answer(
            failed("invalidMeetingIdentifier", "The meeting ID that you supplied did not match any existing meetings")
        )
    role = _join_role(fake, meeting, params)
    if role is None:
        return fake.answer(
            failed(
                "invalidPassword",
                "You either did not supply a password or the password supplied is neither the attendee or moderator "
                "password for this conference.",
            )
        )
    limit = int(meeting.params.get("maxParticipants", "0") or 0)
    if limit and len(meeting.attendees) >= limit:
        return fake.answer(
            failed("maxParticipantsReached", "The number of participants allowed for this meeting has been reached.")
        )
    guest = params.get("guest") == "true"
    person = FakeAttendee(params.get("userID") or "", params["fullName"].strip(), role, guest)
    person.user_id = person.user_id or person.internal_id
    waits = guest and role != "MODERATOR" and meeting.params.get("guestPolicy") == "ASK_MODERATOR"
    (meeting.waiting if waits else meeting.attendees).append(person)
    if not waits:
        meeting.start_time = meeting.start_time or now_ms()
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
        return fake.answer(
            ok(
                tag("messageKey", "successfullyJoined"),
                tag("message", "You have joined successfully."),
                tag("meeting_id", meeting.internal_id),
                tag("user_id", person.internal_id),
                tag("auth_token", secrets.token_hex(6)),
                tag("session_token", token),
                tag("guestStatus", "WAIT" if waits else "ALLOW"),
                tag("url", landing),
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
        return fake.answer(missing)
    meeting = fake.meetings.pop(params["meetingID"], None)
    if meeting is None:
        return fake.answer(failed("notFound", NOT_RUNNING))
    for person in meeting.attendees:
        fake.fire(
            "user-left",
            meeting.meeting_id,
            internal_id=meeting.internal_id,
            extra={"user": {"internal-user-id": person.internal_id, "external-user-id": person.user_id}},
        )
    fake.fire("meeting-ended", meeting.meeting_id, internal_id=meeting.internal_id)
    fake.ended.append(meeting)
    return fake.answer(
        ok(
            tag("messageKey", "sentEndMeetingRequest"),
            tag(
                "message",
                "A request to end the meeting was sent.  Please wait a few seconds, and then use the "
                "getMeetingInfo or isMeetingRunning API calls to verify that it was ended.",
            ),
        )
    )


def call_get_meeting_info(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake.answer(missing)
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake.answer(failed("notFound", NOT_RUNNING))
    return fake.answer(ok(_meeting_xml(meeting)))


def call_is_meeting_running(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake.answer(missing)
    meeting = fake.meetings.get(params["meetingID"])
    return fake.answer(ok(tag("running", bool(meeting and meeting.running))))


def _recording_xml(fake: FakeBbb, recording: FakeRecording) -> str:
    formats = "".join(
        "<format>"
        + tag("type", kind)
        + tag("url", fake.playback_url(recording, kind))
        + tag("processingTime", 1000)
        + tag("length", max(1, round(recording.duration / 60)))
        + tag("size", 1000)
        + "</format>"
        for kind in recording.formats
    )
    metadata = "".join(
        tag(key, value) for key, value in {**recording.metadata, "meetingId": recording.meeting_id}.items()
    )
    return (
        "<recording>"
        + tag("recordID", recording.record_id)
        + tag("meetingID", recording.meeting_id)
        + tag("internalMeetingID", recording.internal_meeting_id)
        + tag("name", recording.name)
        + tag("isBreakout", False)
        + tag("published", recording.published)
        + tag("state", recording.state)
        + tag("startTime", recording.start_time)
        + tag("endTime", recording.start_time + int(recording.duration * 1000))
        + tag("participants", 2)
        + tag("rawSize", 1000)
        + f"<metadata>{metadata}</metadata>"
        + tag("size", 1000)
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
        return fake.answer(
            ok(
                "<recordings></recordings>",
                tag("messageKey", "noRecordings"),
                tag("message", "There are no recordings for the meeting(s)."),
            )
        )
    return fake.answer(ok("<recordings>" + "".join(_recording_xml(fake, r) for r in found) + "</recordings>"))


def _recordings_of(fake: FakeBbb, params: dict):
    record_ids = [r for r in params.get("recordID", "").split(",") if r]
    if not record_ids:
        return None, failed("missingParamRecordID", "You must specify a recordID.")
    found = [fake.recordings[r] for r in record_ids if r in fake.recordings and fake.recordings[r].state != "deleted"]
    if not found:
        return None, failed("notFound", "We could not find recordings")
    return found, None


def call_publish_recordings(fake: FakeBbb, params: dict):
    if params.get("publish") not in ("true", "false"):
        return fake.answer(failed("missingParamPublish", "You must specify a publish value true or false."))
    found, error = _recordings_of(fake, params)
    if error:
        return fake.answer(error)
    for recording in found:
        recording.published = params["publish"] == "true"
        recording.state = "published" if recording.published else "unpublished"
    return fake.answer(ok(tag("published", params["publish"] == "true")))


def call_delete_recordings(fake: FakeBbb, params: dict):
    found, error = _recordings_of(fake, params)
    if error:
        return fake.answer(error)
    for recording in found:
        recording.state, recording.published = "deleted", False
    return fake.answer(ok(tag("deleted", True)))


def call_update_recordings(fake: FakeBbb, params: dict):
    found, error = _recordings_of(fake, params)
    if error:
        return fake.answer(error)
    meta = {key[5:].lower(): value for key, value in params.items() if key.startswith("meta_")}
    for recording in found:
        recording.metadata.update(meta)
    return fake.answer(ok(tag("updated", True)))


def call_send_chat_message(fake: FakeBbb, params: dict):
    missing = _missing_meeting_id(params)
    if missing:
        return fake.answer(missing)
    message = params.get("message", "")
    if not 1 <= len(message) <= 500 or len(params.get("userName", "")) > 255:
        return fake.answer(failed("validationError", "The message must be 1 to 500 characters long."))
    meeting = fake.meetings.get(params["meetingID"])
    if meeting is None:
        return fake.answer(failed("meetingNotFound", "A meeting with that ID does not exist"))
    fake.say(meeting.meeting_id, params.get("userName") or "System", message)
    return fake.answer(ok(tag("messageKey", ""), tag("message", "")))


def call_hooks_create(fake: FakeBbb, params: dict):
    url = params.get("callbackURL")
    if not url:
        return fake.answer(failed("missingParamCallbackURL", "You must specify a callbackURL in the parameters."))
    existing = next((h for h in fake.hooks.values() if h.callback_url == url), None)
    if existing is not None:
        return fake.answer(
            ok(
                tag("hookID", existing.hook_id),
                tag("messageKey", "duplicateWarning"),
                tag("message", "There is already a hook for this callback URL."),
            )
        )
    hook = FakeHook(str(next(fake._hook_ids)), url, params.get("meetingID", ""), params.get("getRaw") == "true")
    fake.hooks[hook.hook_id] = hook
    return fake.answer(ok(tag("hookID", hook.hook_id), tag("permanentHook", False), tag("rawData", hook.raw)))


def call_hooks_list(fake: FakeBbb, params: dict):
    wanted = params.get("meetingID")
    hooks = "".join(
        "<hook>"
        + tag("hookID", h.hook_id)
        + f"<callbackURL><![CDATA[{h.callback_url}]]></callbackURL>"
        + (f"<meetingID><![CDATA[{h.meeting_id}]]></meetingID>" if h.meeting_id else "")
        + tag("permanentHook", False)
        + tag("rawData", h.raw)
        + "</hook>"
        for h in fake.hooks.values()
        if wanted is None or not h.meeting_id or h.meeting_id == wanted
    )
    return fake.answer(ok(f"<hooks>{hooks}</hooks>"))


def call_hooks_destroy(fake: FakeBbb, params: dict):
    hook_id = params.get("hookID")
    if not hook_id:
        return fake.answer(failed("missingParamHookID", "You must specify a hookID in the parameters."))
    if fake.hooks.pop(hook_id, None) is None:
        return fake.answer(failed("destroyMissingHook", "The hook informed was not found."))
    return fake.answer(ok(tag("removed", True)))


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
